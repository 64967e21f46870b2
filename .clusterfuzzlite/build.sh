#!/bin/bash -eu
# ClusterFuzzLite uses the same build as OSS-Fuzz.
exec "$SRC/ticketlab/ci/oss-fuzz/build.sh"
