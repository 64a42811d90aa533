"""The sandbox for the kernels that run student code during grading.

nbgrader runs a submission's code as the instructor, able to read the
solutions and the gradebook. Here every grading kernel starts inside a
sandbox, whichever route runs it (``mali-ssr grade``, plain ``nbgrader
autograde``, the formgrader's Autograde button, ``nbgrader validate``),
because the sandbox is ordinary nbgrader configuration (``nbgrader_config.py``).

The rooms, host side first:

- :mod:`.policy`: the limits (a plain dataclass) and what this machine can enforce;
- :mod:`.mounts`: the allow-list of what the kernel can see, and the staged package copy;
- :mod:`.command`: the bubblewrap command line;
- :mod:`.kernel`: the kernel manager and the execute preprocessor nbgrader is configured with;
- :mod:`.launcher`: the only code that runs *inside* the sandbox (standard library only): limits,
  unprivileged user, then the kernel;
- :mod:`.template` and :mod:`.warm`: warm kernels for `mali-ssr grade` as root: one pre-imported template per run
  forks each student's kernel into that student's own sandbox (it then runs the launcher's preparation).

Nothing is imported here, so that the launcher inside the sandbox loads no host-side code.
"""
