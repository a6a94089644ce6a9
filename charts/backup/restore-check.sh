#!/usr/bin/env bash
# charts/backup/restore-check.sh - proves the newest backup in S3 restores, run by the restore-check
# CronJob (project issue #8). Exits non-zero, with a clear JSON error line, when the newest backup is
# missing, older than the maximum age (the RPO), corrupted, undecryptable or unreadable by pg_restore.
#
# Job image requirements: bash >= 4.4, GNU coreutils (date, sha256sum, stat, mktemp, sort, tail),
# PostgreSQL client tools psql, pg_restore, createdb/dropdb (major version >= the dump's pg_dump), the
# AWS CLI (v1 >= 1.29 or v2) and openssl >= 1.1.1. See charts/backup/README.md.
#
# Environment (defaults and details in charts/backup/README.md):
#   BACKUP_BUCKET (required) BACKUP_PREFIX (backups) AWS_REGION AWS_ENDPOINT_URL
#   BACKUP_ENCRYPTION_KEY        required when the newest backup is client-side encrypted (.enc)
#   RESTORE_MAX_AGE_SECONDS      fail when the newest backup is older than this (the RPO); wins over
#   RESTORE_MAX_AGE_HOURS (26)   the same limit in whole hours (for runs by hand)
#   RESTORE_FULL (false)         true: also pg_restore into RESTORE_TARGET_DB and compare row counts (the drill)
#   RESTORE_TARGET_DB (restore_check)  scratch database, dropped and recreated by each full check
#   RESTORE_RTO_SECONDS          (full check only) fail when the whole drill took longer than this (the RTO)
#   RESTORE_KEEP (false)         (full check only) true: keep the restored database (a real restore: runbook steps 3-7)
#   PGHOST PGPORT PGUSER PGPASSWORD PGSSLMODE  (full check only) the server the scratch DB lives on
#
# Steps, one JSON log line each on stdout: preflight -> find-newest -> download -> decrypt (if .enc) -> list
# -> restore and compare (RESTORE_FULL=true only) -> measure (the drill's time against the RTO).
# Backups are found under PREFIX/frequent/, PREFIX/daily/ and, from before that layout, PREFIX/YYYY/MM/DD/.
set -euo pipefail
umask 077

readonly JOB=restore-check
readonly SCRATCH_COMMENT="restore-check scratch database: dropped and recreated by charts/backup/restore-check.sh"
STEP=init
STARTED=$(date +%s)
WORK=""

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

on_exit() {
  local rc=$?
  set +e
  [[ -n $WORK ]] && rm -rf "$WORK"
  STEP=finish
  if [[ $rc -ne 0 ]]; then
    log error "restore check FAILED: the newest backup cannot be trusted; investigate now (docs/disaster-recovery.md)" \
      exit_code "$rc" duration_s "$(($(date +%s) - STARTED))"
  fi
  exit "$rc"
}
trap on_exit EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

# Same query as backup.sh: per-table row counts plus the number of large objects, one "name<TAB>count" line each.
COUNT_SQL="SELECT format('SELECT %L, count(*) FROM %I.%I', n.nspname || '.' || c.relname, n.nspname, c.relname)
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%'
  ORDER BY n.nspname, c.relname
\\gexec
SELECT '(large objects)', count(*) FROM pg_largeobject_metadata;"

decrypt() { # decrypt IN OUT
  openssl enc -d -aes-256-cbc -pbkdf2 -iter 600000 -md sha256 -pass env:BACKUP_ENCRYPTION_KEY \
    -in "$1" -out "$2" 2>"$WORK/stderr"
}

# ---------------------------------------------------------------- preflight
STEP=preflight
[[ -n ${BACKUP_BUCKET:-} ]] || die "BACKUP_BUCKET is required"
BACKUP_PREFIX=${BACKUP_PREFIX:-backups}
BACKUP_PREFIX=${BACKUP_PREFIX%/}
RESTORE_MAX_AGE_HOURS=${RESTORE_MAX_AGE_HOURS:-26}
RESTORE_FULL=${RESTORE_FULL:-false}
RESTORE_TARGET_DB=${RESTORE_TARGET_DB:-restore_check}
RESTORE_RTO_SECONDS=${RESTORE_RTO_SECONDS:-}
RESTORE_KEEP=${RESTORE_KEEP:-false}
export PGPORT=${PGPORT:-5432}
export PGCONNECT_TIMEOUT=${PGCONNECT_TIMEOUT:-10}
[[ $RESTORE_MAX_AGE_HOURS =~ ^[0-9]+$ ]] || die "RESTORE_MAX_AGE_HOURS must be a whole number of hours" value "$RESTORE_MAX_AGE_HOURS"
if [[ -n ${RESTORE_MAX_AGE_SECONDS:-} ]]; then
  [[ $RESTORE_MAX_AGE_SECONDS =~ ^[1-9][0-9]*$ ]] || die "RESTORE_MAX_AGE_SECONDS must be a whole number of seconds" value "$RESTORE_MAX_AGE_SECONDS"
  MAX_AGE_S=$RESTORE_MAX_AGE_SECONDS
else
  MAX_AGE_S=$((RESTORE_MAX_AGE_HOURS * 3600))
fi
MAX_AGE_H=$(awk -v s="$MAX_AGE_S" 'BEGIN { printf "%g", s / 3600 }')
[[ $RESTORE_FULL == true || $RESTORE_FULL == false ]] || die "RESTORE_FULL must be true or false" value "$RESTORE_FULL"
[[ $RESTORE_KEEP == true || $RESTORE_KEEP == false ]] || die "RESTORE_KEEP must be true or false" value "$RESTORE_KEEP"
[[ $RESTORE_KEEP == false || $RESTORE_FULL == true ]] || die "RESTORE_KEEP needs RESTORE_FULL=true: only a full restore creates a database to keep"
if [[ -n $RESTORE_RTO_SECONDS ]]; then
  [[ $RESTORE_RTO_SECONDS =~ ^[1-9][0-9]*$ ]] || die "RESTORE_RTO_SECONDS must be a whole number of seconds" value "$RESTORE_RTO_SECONDS"
  [[ $RESTORE_FULL == true ]] || die "RESTORE_RTO_SECONDS needs RESTORE_FULL=true: only a full restore measures the time to restore"
fi
for tool in aws pg_restore sha256sum; do
  command -v "$tool" >/dev/null || die "required tool not found in the image" tool "$tool"
done
if [[ $RESTORE_FULL == true ]]; then
  command -v psql >/dev/null || die "required tool not found in the image" tool psql
  [[ $RESTORE_TARGET_DB != "${PGDATABASE:-}" ]] ||
    die "RESTORE_TARGET_DB must not be PGDATABASE: the scratch database is dropped and recreated" value "$RESTORE_TARGET_DB"
fi
WORK=$(mktemp -d "${TMPDIR:-/tmp}/restore-check.XXXXXX")
log info "restore check starting" bucket "$BACKUP_BUCKET" prefix "$BACKUP_PREFIX" max_age_seconds "$MAX_AGE_S" \
  full "$RESTORE_FULL" rto_seconds "${RESTORE_RTO_SECONDS:-none}" endpoint "${AWS_ENDPOINT_URL:-aws default}"

# ---------------------------------------------------------------- find
STEP=find-newest
KEYS=$(aws_cli s3api list-objects-v2 --bucket "$BACKUP_BUCKET" --prefix "${BACKUP_PREFIX}/" \
  --query 'Contents[].Key' --output text 2>"$WORK/stderr") ||
  die "cannot list backups (missing bucket, wrong credentials or S3 endpoint down)" bucket "$BACKUP_BUCKET" detail "$(err_tail)"
NEWEST="" NEWEST_TS="" COUNT=0
while IFS= read -r key; do
  rel=${key#"${BACKUP_PREFIX}"/}
  # Only complete objects named by backup.sh count (frequent/, daily/ or the older layout without either);
  # names sort by their UTC timestamp.
  if [[ $rel =~ ^((frequent|daily)/)?[0-9]{4}/[0-9]{2}/[0-9]{2}/db_backup_([0-9]{8}_[0-9]{6})\.dump(\.enc)?$ ]]; then
    COUNT=$((COUNT + 1))
    # The daily copy of a backup has the same timestamp: the frequent/ original is the one reported.
    if [[ -z $NEWEST_TS || ${BASH_REMATCH[3]} > $NEWEST_TS || (${BASH_REMATCH[3]} == "$NEWEST_TS" && ${BASH_REMATCH[2]} == frequent) ]]; then
      NEWEST_TS=${BASH_REMATCH[3]}
      NEWEST=$key
    fi
  fi
done < <(tr '\t' '\n' <<<"$KEYS")
[[ -n $NEWEST ]] || die "NO BACKUP FOUND under s3://${BACKUP_BUCKET}/${BACKUP_PREFIX}/" bucket "$BACKUP_BUCKET" prefix "$BACKUP_PREFIX"
BACKUP_EPOCH=$(date -u -d "${NEWEST_TS:0:4}-${NEWEST_TS:4:2}-${NEWEST_TS:6:2} ${NEWEST_TS:9:2}:${NEWEST_TS:11:2}:${NEWEST_TS:13:2}" +%s)
AGE_S=$(($(date +%s) - BACKUP_EPOCH))
AGE_H=$(awk -v s="$AGE_S" 'BEGIN { printf "%.2f", s / 3600 }')
if ((AGE_S > MAX_AGE_S)); then
  die "NEWEST BACKUP IS TOO OLD: ${AGE_H} h old, limit ${MAX_AGE_H} h (is the backup CronJob failing?)" \
    key "$NEWEST" age_seconds "$AGE_S" max_age_seconds "$MAX_AGE_S"
fi
log info "newest backup found" key "$NEWEST" age_hours "$AGE_H" age_seconds "$AGE_S" max_age_seconds "$MAX_AGE_S" backups_found "$COUNT"

# ---------------------------------------------------------------- download
STEP=download
FILE="$WORK/$(basename "$NEWEST")"
META=$(aws_cli s3api head-object --bucket "$BACKUP_BUCKET" --key "$NEWEST" \
  --query '[ContentLength, ServerSideEncryption, Metadata.sha256, Metadata."plain-sha256"]' --output text 2>"$WORK/stderr") ||
  die "cannot read the backup's metadata" key "$NEWEST" detail "$(err_tail)"
read -r REMOTE_SIZE REMOTE_SSE REMOTE_SHA REMOTE_PLAIN_SHA <<<"$META"
t0=$(date +%s)
aws_cli s3 cp "s3://${BACKUP_BUCKET}/${NEWEST}" "$FILE" --only-show-errors --no-progress >&2 2>"$WORK/stderr" ||
  die "download failed" key "$NEWEST" detail "$(err_tail)"
SIZE=$(stat -c %s "$FILE")
[[ $SIZE == "$REMOTE_SIZE" ]] || die "downloaded size differs from the object's size" key "$NEWEST" bytes "$SIZE" object_bytes "$REMOTE_SIZE"
SHA=$(sha256sum "$FILE" | cut -d ' ' -f 1)
if [[ $REMOTE_SHA == None ]]; then
  log warn "backup has no sha256 metadata (not written by backup.sh?); relying on pg_restore --list" key "$NEWEST"
elif [[ $SHA != "$REMOTE_SHA" ]]; then
  die "BACKUP CORRUPTED: sha256 of the object differs from the one recorded at upload" key "$NEWEST" sha256 "$SHA" recorded_sha256 "$REMOTE_SHA"
fi
log info "downloaded" key "$NEWEST" bytes "$SIZE" sse "$REMOTE_SSE" duration_s "$(($(date +%s) - t0))"

# ---------------------------------------------------------------- decrypt
DUMP=$FILE
if [[ $NEWEST == *.enc ]]; then
  STEP=decrypt
  [[ -n ${BACKUP_ENCRYPTION_KEY:-} ]] || die "the newest backup is client-side encrypted but BACKUP_ENCRYPTION_KEY is not set" key "$NEWEST"
  command -v openssl >/dev/null || die "required tool not found in the image" tool openssl
  DUMP="${FILE%.enc}"
  decrypt "$FILE" "$DUMP" || die "CANNOT DECRYPT the backup (wrong BACKUP_ENCRYPTION_KEY, or a corrupted object)" key "$NEWEST" detail "$(err_tail)"
  rm -f "$FILE"
  if [[ $REMOTE_PLAIN_SHA != None && $(sha256sum "$DUMP" | cut -d ' ' -f 1) != "$REMOTE_PLAIN_SHA" ]]; then
    die "decrypted backup differs from the dump verified at backup time (wrong key?)" key "$NEWEST"
  fi
  log info "decrypted" key "$NEWEST"
fi

# ---------------------------------------------------------------- list
STEP=list
pg_restore --list "$DUMP" >"$WORK/toc" 2>"$WORK/stderr" ||
  die "BACKUP UNREADABLE: pg_restore --list rejects it" key "$NEWEST" detail "$(err_tail)"
TOC_ENTRIES=$(grep -c -v '^;' "$WORK/toc" || true)
TABLE_DATA=$(grep -c ' TABLE DATA ' "$WORK/toc" || true)
[[ $TOC_ENTRIES -gt 0 ]] || die "BACKUP UNREADABLE: empty table of contents" key "$NEWEST"
# --list reads only the table of contents: read every data block too (no database needed).
pg_restore --file=/dev/null "$DUMP" 2>"$WORK/stderr" ||
  die "BACKUP UNREADABLE: its data blocks cannot be read (truncated or corrupted)" key "$NEWEST" detail "$(err_tail)"
log info "archive readable by pg_restore (table of contents and every data block)" key "$NEWEST" \
  toc_entries "$TOC_ENTRIES" table_data_entries "$TABLE_DATA"

# ---------------------------------------------------------------- restore (optional)
if [[ $RESTORE_FULL == true ]]; then
  STEP=restore
  ADMIN_DB=postgres
  psql_admin() { psql -X -q -A -t -v ON_ERROR_STOP=1 --no-password -d "$ADMIN_DB" -v target="$RESTORE_TARGET_DB" -v marker="$SCRATCH_COMMENT"; }
  EXISTING=$(psql_admin 2>"$WORK/stderr" <<'SQL'
SELECT coalesce(shobj_description(oid, 'pg_database'), '<none>') FROM pg_database WHERE datname = :'target';
SQL
  ) || die "cannot connect to the restore server" host "${PGHOST:-local socket}" port "$PGPORT" detail "$(err_tail)"
  if [[ -n $EXISTING ]]; then
    [[ $EXISTING == "$SCRATCH_COMMENT" ]] ||
      die "refusing to drop ${RESTORE_TARGET_DB}: it exists and was not created by restore-check" database "$RESTORE_TARGET_DB"
    psql_admin 2>"$WORK/stderr" <<<'DROP DATABASE :"target" WITH (FORCE);' || die "cannot drop the scratch database" detail "$(err_tail)"
  fi
  psql_admin 2>"$WORK/stderr" <<'SQL' || die "cannot create the scratch database" database "$RESTORE_TARGET_DB" detail "$(err_tail)"
CREATE DATABASE :"target";
COMMENT ON DATABASE :"target" IS :'marker';
SQL
  t0=$(date +%s)
  pg_restore --exit-on-error --no-owner --no-acl --no-password --dbname="$RESTORE_TARGET_DB" "$DUMP" 2>"$WORK/stderr" ||
    die "RESTORE FAILED into the scratch database (kept for inspection)" database "$RESTORE_TARGET_DB" detail "$(err_tail)"
  RESTORE_S=$(($(date +%s) - t0))
  log info "restored into the scratch database" database "$RESTORE_TARGET_DB" duration_s "$RESTORE_S"

  STEP=compare
  printf '%s\n' "$COUNT_SQL" | psql -X -q -A -t -F $'\t' -v ON_ERROR_STOP=1 --no-password -d "$RESTORE_TARGET_DB" \
    2>"$WORK/stderr" | LC_ALL=C sort >"$WORK/restored.tsv" || die "cannot count rows in the scratch database" detail "$(err_tail)"
  MANIFEST_KEY="${NEWEST%.dump*}.manifest.tsv"
  [[ $NEWEST == *.enc ]] && MANIFEST_KEY+=".enc"
  if aws_cli s3 cp "s3://${BACKUP_BUCKET}/${MANIFEST_KEY}" "$WORK/manifest.download" --only-show-errors --no-progress >&2 2>"$WORK/stderr"; then
    if [[ $MANIFEST_KEY == *.enc ]]; then
      decrypt "$WORK/manifest.download" "$WORK/manifest.tsv" || die "cannot decrypt the manifest" key "$MANIFEST_KEY" detail "$(err_tail)"
    else
      mv "$WORK/manifest.download" "$WORK/manifest.tsv"
    fi
    if ! diff "$WORK/manifest.tsv" "$WORK/restored.tsv" >"$WORK/diff"; then
      die "RESTORED DATA DIFFERS from the row counts recorded at backup time" database "$RESTORE_TARGET_DB" \
        diff "$(head -n 20 "$WORK/diff")"
    fi
    log info "row counts of every table and large objects match the backup manifest" \
      tables "$(($(wc -l <"$WORK/restored.tsv") - 1))" rows "$(awk -F '\t' '$1 != "(large objects)" { s += $2 } END { print s + 0 }' "$WORK/restored.tsv")"
  else
    log warn "no manifest next to the backup; row counts not compared" key "$MANIFEST_KEY" detail "$(err_tail)"
  fi
  if [[ $RESTORE_KEEP == true ]]; then
    STEP=keep
    # A real restore: the database stays, without the marker, so that no later check ever drops it.
    psql_admin 2>"$WORK/stderr" <<<'COMMENT ON DATABASE :"target" IS NULL;' ||
      die "restored and checked, but cannot remove the scratch marker from the database" database "$RESTORE_TARGET_DB" detail "$(err_tail)"
    log info "restored database kept (RESTORE_KEEP=true): switch to it as in docs/disaster-recovery.md" database "$RESTORE_TARGET_DB"
  else
    psql_admin 2>"$WORK/stderr" <<<'DROP DATABASE :"target" WITH (FORCE);' ||
      log warn "could not drop the scratch database" database "$RESTORE_TARGET_DB" detail "$(err_tail)"
  fi

  # The drill's time: everything this run did to get a checked copy of the data back (list, download,
  # decrypt, read, restore, compare), what steps 3 to 7 of the runbook take. The Job's activeDeadline
  # (the RTO) stops a drill that hangs; this check fails one that finished, but too late.
  STEP=measure
  DRILL_S=$(($(date +%s) - STARTED))
  log info "restore drill measured" drill_seconds "$DRILL_S" restore_seconds "$RESTORE_S" rto_seconds "${RESTORE_RTO_SECONDS:-none}" key "$NEWEST"
  if [[ -n $RESTORE_RTO_SECONDS ]]; then
    if ((DRILL_S > RESTORE_RTO_SECONDS)); then
      die "RESTORE DRILL SLOWER THAN THE RTO: took ${DRILL_S} s, RTO ${RESTORE_RTO_SECONDS} s (move to WAL archiving or PITR, docs/disaster-recovery.md)" \
        drill_seconds "$DRILL_S" rto_seconds "$RESTORE_RTO_SECONDS"
    fi
    if ((DRILL_S * 2 > RESTORE_RTO_SECONDS)); then
      log warn "the drill used more than half the RTO, which also has to cover detection, decision and switching over" \
        drill_seconds "$DRILL_S" rto_seconds "$RESTORE_RTO_SECONDS"
    fi
  fi
fi

STEP=finish
log info "restore check passed" key "$NEWEST" age_hours "$AGE_H" full "$RESTORE_FULL" duration_s "$(($(date +%s) - STARTED))"
