#!/bin/sh
touch "$KVET_TRAP_MARKER"
