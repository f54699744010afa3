"""How each step runs: pydantic configs, their generator, and their files.

Knows nothing of dependencies (that is `specwire.specs` and the engine) and nothing of SageMaker's
SDK (that is `specwire.builders`): it must not import `specwire.engine`, `sagemaker` or `boto3`.
"""
