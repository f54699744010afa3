"""specwire: spec-driven Amazon SageMaker pipelines, wired and explained by clingo.

`import specwire` stays light: the engine, the config layer, the SageMaker SDK and boto3 are
imported only by the methods that need them.
"""

from specwire.pipeline.api import Pipeline

__all__ = ["Pipeline"]
