"""Tests of specwire/scripts, the code the steps run in SageMaker containers."""
