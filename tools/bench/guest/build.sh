#!/bin/sh
# Rebuild the committed cross-engine benchmark guest (needs nasm: apt-get install nasm).
set -e
cd "$(dirname "$0")"
nasm -f bin -o bench-loops.bin bench-loops.asm
