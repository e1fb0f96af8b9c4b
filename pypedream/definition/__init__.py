"""Definition: what a pipeline is. Pure data that runs nothing.

`Pipeline`, `Stage`, inputs and their bindings, output mappers, `Parameters`, `Variables`,
validation and the `StageGraph` the executor and the compiler both read. Nothing here imports
`pypedream.execution` or `pypedream.worker` at module level (import-linter enforces it);
`Pipeline.run` is a thin entry into `pypedream.runner`.
"""
