"""pypedream: plain-function pipelines that run in-process and compile to Airflow DAGs."""

from pypedream import ctx
from pypedream._sentinel import MISSING
from pypedream.definition.airflow_options import AirflowOptions
from pypedream.definition.binding import (
    DEFAULT_OUTPUT_KEY,
    DependencyInputMapper,
    Input,
    InputBinding,
    KeyedInputMapper,
)
from pypedream.definition.graph import Edge, StageGraph
from pypedream.definition.log_settings import LoggerSettings
from pypedream.definition.outputs import (
    CHILL,
    PRESERVE,
    STRICT,
    WARN_UNEXPECTED,
    KeyedOutputMapper,
    OutputMapperBehaviour,
    SequentialOutputMapper,
)
from pypedream.definition.parameters import Parameter, Parameters
from pypedream.definition.pipeline import Pipeline
from pypedream.definition.stage import Stage
from pypedream.definition.trigger_rule import TriggerRule
from pypedream.definition.variables import Variables
from pypedream.errors import (
    BranchError,
    InputBindingError,
    LogDestinationError,
    MapError,
    OutputMappingError,
    ParameterError,
    PipelineDefinitionError,
    PipelineFailed,
    PypedreamError,
    RunInterrupted,
    SkipStage,
    StageExitError,
    ValueTransportError,
    VariableConflictError,
)
from pypedream.execution.result import MapInstances, RunResult, StageResult, StageStatus

__version__ = "0.1.0"

__all__ = [
    "CHILL",
    "DEFAULT_OUTPUT_KEY",
    "MISSING",
    "PRESERVE",
    "STRICT",
    "WARN_UNEXPECTED",
    "AirflowOptions",
    "BranchError",
    "DependencyInputMapper",
    "Edge",
    "Input",
    "InputBinding",
    "InputBindingError",
    "KeyedInputMapper",
    "KeyedOutputMapper",
    "LogDestinationError",
    "LoggerSettings",
    "MapError",
    "MapInstances",
    "OutputMapperBehaviour",
    "OutputMappingError",
    "Parameter",
    "ParameterError",
    "Parameters",
    "Pipeline",
    "PipelineDefinitionError",
    "PipelineFailed",
    "PypedreamError",
    "RunInterrupted",
    "RunResult",
    "SequentialOutputMapper",
    "SkipStage",
    "Stage",
    "StageExitError",
    "StageGraph",
    "StageResult",
    "StageStatus",
    "TriggerRule",
    "ValueTransportError",
    "VariableConflictError",
    "Variables",
    "ctx",
]
