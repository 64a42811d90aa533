"""Build the map outline shipped in the package (src/mali_ssr/course_data/map_outline.geojson).

A developer's tool, run once; nothing in the course runs it. The source is Natural Earth's
1:110m admin-0 countries (public domain), in the copy that geopandas 0.14.4 shipped as its
``naturalearth_lowres`` example data set. Steps:

    pip download --no-deps geopandas==0.14.4 pyshp -d /tmp/ne
    cd /tmp/ne && unzip -q geopandas-0.14.4-py3-none-any.whl 'geopandas/datasets/*' -d gp \
        && unzip -q pyshp-*.whl -d pyshp
    PYTHONPATH=/tmp/ne/pyshp python scripts/build_map_outline.py \
        /tmp/ne/gp/geopandas/datasets/naturalearth_lowres/naturalearth_lowres

It keeps Mali, its seven neighbours and the African countries that reach into their bounding
box, rounds coordinates to 0.01 degree and drops the points that rounding makes repeat.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import shapefile  # pyshp, only for this script

MALI = "MLI"
NEIGHBOURS = ("DZA", "NER", "BFA", "CIV", "GIN", "SEN", "MRT")
TARGET = Path(__file__).resolve().parents[1] / "src" / "mali_ssr" / "course_data" / "map_outline.geojson"


def _rings(shape) -> list[list[tuple[float, float]]]:
    parts = list(shape.parts) + [len(shape.points)]
    return [shape.points[a:b] for a, b in zip(parts, parts[1:], strict=False)]


def _simplify(ring) -> list[list[float]]:
    out: list[list[float]] = []
    for x, y in ring:
        point = [round(x, 2), round(y, 2)]
        if not out or out[-1] != point:
            out.append(point)
    if out[0] != out[-1]:
        out.append(out[0])
    return out


def _bbox(rings):
    xs = [x for r in rings for x, _y in r]
    ys = [y for r in rings for _x, y in r]
    return min(xs), min(ys), max(xs), max(ys)


def main(source: str) -> int:
    reader = shapefile.Reader(source)
    shapes = {rec["iso_a3"]: (rec, shp) for rec, shp in zip(reader.records(), reader.shapes(), strict=True)}
    core = [MALI, *NEIGHBOURS]
    x0, y0, x1, y1 = _bbox([r for code in core for r in _rings(shapes[code][1])])
    features = []
    for code, (rec, shp) in shapes.items():
        if rec["continent"] != "Africa":
            continue
        rings = _rings(shp)
        a, b, c, d = _bbox(rings)
        if code not in core and (c < x0 or a > x1 or d < y0 or b > y1):
            continue
        role = "mali" if code == MALI else "neighbour" if code in NEIGHBOURS else "context"
        # Natural Earth stores each polygon's outer ring first; holes do not occur in these countries at 1:110m.
        polygons = [[_simplify(r)] for r in rings if len(r) >= 4]
        features.append({"type": "Feature",
                         "properties": {"name": rec["name"], "iso_a3": code, "role": role},
                         "geometry": {"type": "MultiPolygon", "coordinates": polygons}})
    features.sort(key=lambda f: (f["properties"]["role"] != "mali", f["properties"]["name"]))
    collection = {"type": "FeatureCollection",
                  "source": "Natural Earth 1:110m Cultural Vectors, Admin 0 - Countries (public domain), "
                            "as shipped in geopandas 0.14.4 (naturalearth_lowres); simplified",
                  "bbox": [x0, y0, x1, y1],
                  "features": features}
    TARGET.write_text(json.dumps(collection, separators=(",", ":"), ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"{TARGET}: {len(features)} countries, {TARGET.stat().st_size / 1024:.0f} KB")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
