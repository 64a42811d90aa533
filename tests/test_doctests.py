"""The examples in the package's docstrings run and give what they show."""

import doctest

import pytest

from mali_ssr import answer_checks, data, i18n, models


@pytest.mark.parametrize("module", [answer_checks, data, i18n, models], ids=lambda m: m.__name__)
def test_docstring_examples(module):
    result = doctest.testmod(module)
    assert result.attempted > 0
    assert result.failed == 0
