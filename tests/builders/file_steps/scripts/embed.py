"""Stand-in embedding script of the file-only TextEmbedding step (tests upload it, never run it)."""

import argparse

parser = argparse.ArgumentParser()
parser.add_argument("--dim", type=int, default=64)
print(f"embedding with dim={parser.parse_args().dim}")
