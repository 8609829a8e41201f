#!/bin/bash
# make check wrapper: the Nextcloud emulator's own unit tests (ends with "N passed, N failed").
exec /usr/bin/python3 "$(dirname "${BASH_SOURCE[0]}")/test_emulator.py"
