"""invoke tasks for the repository: the package's own collection (toolchain/tasks.py).

    invoke build --target win98-p2 --model stories260K_mha.bin --tokenizer tok512.bin
    invoke audit dist/win98-p2/LLAMA98.EXE --target win98-p2
    invoke port src/ -o ported/
    invoke targets / doctor / test / bench

Every task takes exactly the options of the command it runs (`llama98 build --help`,
`c89port --help` ...). `invoke --list` shows them all; `invoke --help TASK` one task's
options. Outside the repository, the installed `llama98-tasks` runs the same tasks.
"""

from toolchain.tasks import namespace  # noqa: F401  (invoke loads the collection by this name)
