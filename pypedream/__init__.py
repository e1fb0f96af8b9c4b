"""pypedream: plain-function pipelines that run in-process and compile to Airflow DAGs."""

from pypedream import ctx
from pypedream._sentinel import MISSING
from pypedream.binding import (
    DEFAULT_OUTPUT_KEY,
    DependencyInputMapper,
    Input,
    InputBinding,
    KeyedInputMapper,
)
from pypedream.errors import (
    InputBindingError,
    OutputMappingError,
    ParameterError,
    PipelineDefinitionError,
    PipelineFailed,
    PypedreamError,
    SkipStage,
    ValueTransportError,
    VariableConflictError,
)
from pypedream.graph import Edge, StageGraph
from pypedream.log_setup import LoggerSettings
from pypedream.outputs import (
    CHILL,
    PRESERVE,
    STRICT,
    WARN_UNEXPECTED,
    KeyedOutputMapper,
    OutputMapperBehaviour,
    SequentialOutputMapper,
)
from pypedream.parameters import Parameter, Parameters
from pypedream.pipeline import Pipeline
from pypedream.result import RunResult, StageResult, StageStatus
from pypedream.stage import Stage
from pypedream.variables import Variables

__version__ = "0.1.0"

__all__ = [
    "CHILL",
    "DEFAULT_OUTPUT_KEY",
    "MISSING",
    "PRESERVE",
    "STRICT",
    "WARN_UNEXPECTED",
    "DependencyInputMapper",
    "Edge",
    "Input",
    "InputBinding",
    "InputBindingError",
    "KeyedInputMapper",
    "KeyedOutputMapper",
    "LoggerSettings",
    "OutputMapperBehaviour",
    "OutputMappingError",
    "Parameter",
    "ParameterError",
    "Parameters",
    "Pipeline",
    "PipelineDefinitionError",
    "PipelineFailed",
    "PypedreamError",
    "RunResult",
    "SequentialOutputMapper",
    "SkipStage",
    "Stage",
    "StageGraph",
    "StageResult",
    "StageStatus",
    "ValueTransportError",
    "VariableConflictError",
    "Variables",
    "ctx",
]
