"""The warm kernel template: the kernel's imports paid once per grading run, every student still in a sandbox of their own.

A fresh kernel spends most of its start-up importing ipykernel, IPython and the
course package and loading the course data. The template does that once, in a
process started afresh for the grading run (``python -I``, never forked from
the grader, so it holds nothing of the course but what any kernel imports from
the read-only view) and which never runs student code. For each student:

1. the grader starts that student's own bubblewrap sandbox as usual (new
   mount, PID, network, IPC and UTS namespaces, private size-capped ``/tmp``,
   working folder and run folder), with the launcher in ``--hold`` mode
   instead of a kernel;
2. it asks the template, over a Unix socket only the grader can reach, to
   fork a kernel into that sandbox: the fork enters the sandbox's namespaces
   (``setns``), forks again (to be inside its PID namespace), takes that
   sandbox's environment, command line and working folder from the holding
   launcher, closes every other file, and runs the launcher's own
   :func:`~mali_ssr.sandbox.launcher.prepare` (support files, limits, the
   sandbox's unprivileged user) before ipykernel starts;
3. the kernel ends with its sandbox: killing the sandbox kills it.

Nothing is shared between students but the template's memory as it was
before any student ran (copy-on-write: a kernel's changes stay its own), and
the template never reads what a kernel writes. Grading as root only (where the
sandbox uses no user namespace); elsewhere every kernel starts cold.

    python -I -m mali_ssr.sandbox.template SOCKET GRADER_PID
"""

import array
import ctypes
import gc
import json
import os
import signal
import socket
import sys

from mali_ssr.i18n import _

# user first (it grants the right to enter the others), mnt last (after it, /proc is the sandbox's)
NAMESPACES = ("user", "cgroup", "ipc", "uts", "net", "pid", "mnt")
LAUNCHER = "mali_ssr.sandbox.launcher"
PR_SET_NO_NEW_PRIVS = 38
PR_SET_CHILD_SUBREAPER = 36
# what ipykernel imports until it answers (measured), and what the assignments' set-up cells import
WARM_MODULES = ("IPython", "ipykernel.kernelapp", "ipykernel.ipkernel", "ipykernel.zmqshell", "ipykernel.debugger",
                "IPython.core.completerlib", "IPython.core.debugger", "IPython.core.oinspect",
                "IPython.extensions.storemagic", "pdb", "sqlite3", "psutil", "unicodedata", "faulthandler",
                "tornado.gen", "tornado.locks", "tornado.platform.asyncio", "tornado.queues",
                "mali_ssr.data", "mali_ssr.answer_checks", "mali_ssr.models", "mali_ssr.lecture")
NOT_FOR_GRADING = ("debugpy",)  # hidden in the sandbox (mounts.NOT_FOR_GRADING): the template never imports them


def warm_up():
    """What every grading kernel imports and loads before the student's first cell."""
    import importlib

    sys.modules.update(dict.fromkeys(NOT_FOR_GRADING))  # "not importable", as inside the sandbox
    for name in WARM_MODULES:
        importlib.import_module(name)
    from mali_ssr.data import load

    load()
    # Move everything loaded so far out of the garbage collector's sight: a kernel's collections then never walk
    # (and so never copy, page by page) the template's memory it shares after the fork
    gc.freeze()


def _libc():
    return ctypes.CDLL(None, use_errno=True)


def _enter(sandbox_pid):
    """Join the namespaces of the sandbox whose first process is ``sandbox_pid`` (those that differ from ours)."""
    libc = _libc()
    for name in NAMESPACES:
        target = f"/proc/{sandbox_pid}/ns/{name}"
        try:
            if os.stat(target).st_ino == os.stat(f"/proc/self/ns/{name}").st_ino:
                continue
            fd = os.open(target, os.O_RDONLY)
        except FileNotFoundError:
            continue
        try:
            if libc.setns(fd, 0) != 0:
                raise OSError(ctypes.get_errno(), f"setns {name}: {os.strerror(ctypes.get_errno())}")
        finally:
            os.close(fd)


def _holder(sandbox_pid, holder_pid):
    """The holding launcher's command line and environment: those of this sandbox's kernel."""
    with open(f"/proc/{holder_pid}/cmdline", "rb") as f:
        argv = [a.decode() for a in f.read().split(b"\0")[:-1]]
    with open(f"/proc/{holder_pid}/environ", "rb") as f:
        env = dict(item.decode().split("=", 1) for item in f.read().split(b"\0") if b"=" in item)
    with open(f"/proc/{holder_pid}/stat", "rb") as f:
        raw = f.read()
    if int(raw[raw.rindex(b")") + 2:].split()[1]) != sandbox_pid or argv[1:5] != ["-I", "-m", LAUNCHER, "--hold"]:
        raise RuntimeError(_("process {pid} is not the waiting launcher of that sandbox").format(pid=holder_pid))
    kernel = argv[argv.index("--") + 1:]
    if kernel[1:3] != ["-m", "ipykernel_launcher"]:
        raise RuntimeError(_("the sandbox's kernel command is not ipykernel's: {command}").format(command=kernel))
    return kernel[3:], env


def _become_kernel(args, env, cwd, streams):
    """In the sandbox, as its PID namespace's newest process: the launcher's preparation, then ipykernel."""
    os.setsid()
    for target, fd in zip((1, 2), streams, strict=False):
        os.dup2(fd, target)
    null = os.open("/dev/null", os.O_RDONLY)
    os.dup2(null, 0)
    os.closerange(3, 1 << 16)
    for number in (signal.SIGCHLD, signal.SIGPIPE, signal.SIGTERM, signal.SIGHUP):
        signal.signal(number, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    os.chdir(cwd)
    os.environ.clear()
    os.environ.update(env)
    import tempfile

    tempfile.tempdir = None  # chosen again from this sandbox's environment
    for name in NOT_FOR_GRADING:  # the sandbox's own view decides, as for a cold kernel
        if sys.modules.get(name, 0) is None:
            del sys.modules[name]
    from mali_ssr.sandbox import launcher

    launcher.prepare(launcher.read_policy())
    if _libc().prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "no_new_privs")
    import ipykernel_launcher
    from ipykernel import kernelapp

    sys.argv = [ipykernel_launcher.__file__, *args]
    kernelapp.launch_new_instance(argv=args)


def _fork_kernel(connection, request, streams):
    """In a fork of the template: enter the sandbox, fork the kernel inside it, report its PID, and leave."""
    sandbox_pid, holder_pid = int(request["sandbox"]), int(request["holder"])
    args, env = _holder(sandbox_pid, holder_pid)
    cwd = str(request["cwd"])
    _enter(sandbox_pid)
    pid = os.fork()
    if pid == 0:
        connection.close()
        code = 1
        try:
            _become_kernel(args, env, cwd, streams)
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        except BaseException:  # noqa: BLE001 - say why on the student's log, never return into the template
            import traceback

            traceback.print_exc()
        finally:
            os._exit(code)
    connection.sendall(json.dumps({"pid": pid}).encode() + b"\n")


def _receive(connection):
    """One request: a JSON line, and the kernel's stdout and stderr as file descriptors."""
    fds = array.array("i")
    data, ancillary, _flags, _addr = connection.recvmsg(4096, socket.CMSG_LEN(2 * fds.itemsize))
    for level, kind, payload in ancillary:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds.frombytes(payload[:len(payload) - len(payload) % fds.itemsize])
    return json.loads(data.decode()), list(fds)


def serve(path):
    _libc().prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)  # the kernels' first parent leaves: they come back here
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # reap every child at once
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path + ".new")
    os.chmod(path + ".new", 0o600)
    server.listen(64)
    os.rename(path + ".new", path)  # the socket appears once the template is ready
    while True:
        connection, _addr = server.accept()
        streams = []
        try:
            request, streams = _receive(connection)
            if os.fork() == 0:
                server.close()
                signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                try:
                    _fork_kernel(connection, request, streams)
                except BaseException as exc:  # noqa: BLE001 - the grader reads the reason and fails that student
                    try:
                        connection.sendall(json.dumps({"error": f"{type(exc).__name__}: {exc}"}).encode() + b"\n")
                    except OSError:
                        pass
                os._exit(0)
        except (OSError, ValueError) as exc:
            try:
                connection.sendall(json.dumps({"error": f"{type(exc).__name__}: {exc}"}).encode() + b"\n")
            except OSError:
                pass
        finally:
            connection.close()
            for fd in streams:
                os.close(fd)


def main(argv):
    if len(argv) != 2:
        raise SystemExit("usage: python -I -m mali_ssr.sandbox.template SOCKET GRADER_PID")
    _libc().prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG: the template ends with its grading run
    if os.getppid() != int(argv[1]):  # the grader was gone before that took effect
        raise SystemExit(1)
    os.chdir("/")
    warm_up()
    serve(argv[0])


if __name__ == "__main__":
    main(sys.argv[1:])
