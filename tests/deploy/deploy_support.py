"""Constants of the deploy tests (fake account, bucket, credentials)."""

REGION = "us-east-1"
ROLE = "arn:aws:iam::123456789012:role/SageMakerRole"
BUCKET = "specwire-artifacts"
#: Fake credentials: a test asserts they never show in an error.
ACCESS_KEY = "AKIAABCDEFGHIJKLMNOP"
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzzSECRETKEY"
