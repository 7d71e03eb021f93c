#!/bin/bash
# Submit a sharded scalesim sweep and its merge. The shard count is written here once.
#   SHARDS=16 ./submit.sh            (SCENARIO and REPLICATIONS as in sweep.sbatch)
set -euo pipefail
SHARDS="${SHARDS:-16}"
mkdir -p logs
sweep=$(sbatch --parsable --array=0-$((SHARDS - 1)) --export=ALL,SHARDS="$SHARDS" sweep.sbatch)
merge=$(sbatch --parsable --dependency=afterany:"$sweep" merge.sbatch)
echo "sweep: job $sweep (${SHARDS} tasks); merge: job $merge, after it"
