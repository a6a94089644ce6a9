#!/usr/bin/env bash
# charts/backup/backup.sh - PostgreSQL backup to S3, run by the backup CronJob (project issue #8).
#
# Job image requirements: bash >= 4.4, GNU coreutils (date, sha256sum, stat, mktemp, sort, tail),
# PostgreSQL client tools psql, pg_dump and pg_restore (major version >= the server's), the AWS CLI
# (v1 >= 1.29 or v2) and openssl >= 1.1.1 (for -pbkdf2). See charts/backup/README.md.
#
# Environment (defaults and details in charts/backup/README.md):
#   PGHOST PGPORT PGDATABASE PGUSER PGPASSWORD PGSSLMODE   libpq connection (PGDATABASE required)
#   BACKUP_BUCKET (required) BACKUP_PREFIX (backups)        destination s3://BUCKET/PREFIX/frequent/YYYY/MM/DD/
#                                                            (the first backup of each UTC day also under PREFIX/daily/)
#   AWS_REGION AWS_ENDPOINT_URL                              S3 endpoint (AWS_ENDPOINT_URL optional)
#   BACKUP_SSE (aws:kms | AES256) BACKUP_KMS_KEY_ID          server-side encryption requested on upload
#   BACKUP_ENCRYPTION_KEY                                    optional client-side AES-256 passphrase
#
# Steps, one JSON log line each on stdout:
#   preflight -> snapshot -> dump -> verify (pg_restore --list) -> encrypt (optional) -> upload -> confirm
#   -> daily (server-side copy of the first backup of the UTC day to PREFIX/daily/, confirmed like the upload)
#
# Retention (the bucket's lifecycle rules, infra/backup/backup-lifecycle.ts): every backup is kept for a short
# window under frequent/, one a day for the retention period under daily/. The job itself deletes nothing.
#
# Why a partial upload is never presented as a backup: the dump is complete and verified locally before
# the upload starts, and the object is written with its final key in one S3 PutObject (small files) or
# one multipart upload (large files). S3 makes an object visible only when PutObject or
# CompleteMultipartUpload succeeds, atomically; an interrupted upload leaves no object, only invisible
# parts, which this script aborts on failure when it can and the bucket's AbortIncompleteMultipartUpload
# lifecycle rule removes otherwise. Keys carry a timestamp and an existing key is never overwritten, so
# a failed run cannot replace or damage the previous good backup. test/e2e/backup proves both.
set -euo pipefail
umask 077

readonly JOB=backup
STEP=init
STARTED=$(date +%s)
WORK=""
FINAL_KEY=""
UPLOAD_STARTED=false
UPLOAD_CONFIRMED=false
PSQL_PID=""

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

on_exit() {
  local rc=$?
  set +e
  if [[ -n $PSQL_PID ]]; then kill "$PSQL_PID" 2>/dev/null; fi
  if [[ $rc -ne 0 && $UPLOAD_STARTED == true && $UPLOAD_CONFIRMED == false ]]; then
    # Best effort: abort the multipart upload this run left behind (its parts are invisible anyway).
    local ids id
    if ids=$(aws_cli --cli-connect-timeout 5 --cli-read-timeout 10 s3api list-multipart-uploads \
      --bucket "$BACKUP_BUCKET" --prefix "$FINAL_KEY" --query 'Uploads[].UploadId' --output text 2>/dev/null); then
      for id in $ids; do
        [[ $id == None ]] && continue
        aws_cli --cli-connect-timeout 5 --cli-read-timeout 10 s3api abort-multipart-upload \
          --bucket "$BACKUP_BUCKET" --key "$FINAL_KEY" --upload-id "$id" >/dev/null 2>&1 &&
          log warn "aborted incomplete multipart upload" key "$FINAL_KEY"
      done
    else
      log warn "could not list incomplete multipart uploads (S3 unreachable, or no s3:ListBucketMultipartUploads); the bucket lifecycle rule removes them" key "$FINAL_KEY"
    fi
  fi
  [[ -n $WORK ]] && rm -rf "$WORK"
  if [[ $rc -ne 0 ]]; then
    STEP=finish
    log error "backup FAILED; the previous backups are untouched" exit_code "$rc" duration_s "$(($(date +%s) - STARTED))"
  fi
  exit "$rc"
}
trap on_exit EXIT
trap 'exit 143' TERM
trap 'exit 130' INT
# A psql that died must surface as a clear error from the next read, not as a silent SIGPIPE death.
trap '' PIPE

# ---------------------------------------------------------------- preflight
STEP=preflight
[[ -n ${BACKUP_BUCKET:-} ]] || die "BACKUP_BUCKET is required"
[[ -n ${PGDATABASE:-} ]] || die "PGDATABASE is required"
BACKUP_PREFIX=${BACKUP_PREFIX:-backups}
BACKUP_PREFIX=${BACKUP_PREFIX%/}
BACKUP_SSE=${BACKUP_SSE:-aws:kms}
export PGPORT=${PGPORT:-5432}
export PGCONNECT_TIMEOUT=${PGCONNECT_TIMEOUT:-10}
case $BACKUP_SSE in
  aws:kms | AES256) ;;
  *) die "BACKUP_SSE must be aws:kms or AES256" value "$BACKUP_SSE" ;;
esac
if [[ -n ${BACKUP_KMS_KEY_ID:-} && $BACKUP_SSE != aws:kms ]]; then
  die "BACKUP_KMS_KEY_ID is only valid with BACKUP_SSE=aws:kms"
fi
for tool in psql pg_dump pg_restore aws sha256sum; do
  command -v "$tool" >/dev/null || die "required tool not found in the image" tool "$tool"
done
ENCRYPT=false
if [[ -n ${BACKUP_ENCRYPTION_KEY:-} ]]; then
  ENCRYPT=true
  command -v openssl >/dev/null || die "BACKUP_ENCRYPTION_KEY is set but openssl is not in the image"
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/backup.XXXXXX")
TS=$(date -u +%Y%m%d_%H%M%S)
DAY_PATH=$(date -u -d "${TS:0:8}" +%Y/%m/%d)
BASE="db_backup_${TS}"
# Key layout (config/recovery-targets.ts BACKUP_KEY_LAYOUT): frequent/ for every run, daily/ for one a day.
FINAL_KEY="${BACKUP_PREFIX}/frequent/${DAY_PATH}/${BASE}.dump"
MANIFEST_KEY="${BACKUP_PREFIX}/frequent/${DAY_PATH}/${BASE}.manifest.tsv"
DAILY_DIR="${BACKUP_PREFIX}/daily/${DAY_PATH}/"
if [[ $ENCRYPT == true ]]; then
  FINAL_KEY+=".enc"
  MANIFEST_KEY+=".enc"
fi

log info "backup starting" database "$PGDATABASE" host "${PGHOST:-local socket}" port "$PGPORT" \
  bucket "$BACKUP_BUCKET" key "$FINAL_KEY" sse "$BACKUP_SSE" client_encryption "$ENCRYPT" \
  endpoint "${AWS_ENDPOINT_URL:-aws default}"

# Fail fast, before a long dump, if the bucket is missing or not reachable with these credentials, and
# never overwrite an existing backup (two runs in the same second, or a clock going backwards). One
# ListObjectsV2 under the prefix does both: the job role may list only under "$BACKUP_PREFIX/", so neither
# HeadBucket nor a HeadObject 404 would work with it (a missing key answers 403 without s3:ListBucket).
EXISTING=$(aws_cli s3api list-objects-v2 --bucket "$BACKUP_BUCKET" --prefix "$FINAL_KEY" \
  --query 'Contents[].Key' --output text 2>"$WORK/stderr") ||
  die "bucket not reachable (missing bucket, wrong credentials or S3 endpoint down)" bucket "$BACKUP_BUCKET" detail "$(err_tail)"
if tr '\t' '\n' <<<"$EXISTING" | grep -q -x -F "$FINAL_KEY"; then
  die "refusing to overwrite an existing backup" key "$FINAL_KEY"
fi
log info "preflight ok"

# ---------------------------------------------------------------- snapshot
# One REPEATABLE READ transaction exports a snapshot; pg_dump dumps exactly that snapshot and the row
# counts of the manifest are taken in it too, so restore-check can compare a full restore with them.
STEP=snapshot
COUNT_SQL="SELECT format('SELECT %L, count(*) FROM %I.%I', n.nspname || '.' || c.relname, n.nspname, c.relname)
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%'
  ORDER BY n.nspname, c.relname
\\gexec
SELECT '(large objects)', count(*) FROM pg_largeobject_metadata;"

coproc SNAP { psql -X -q -A -t -F $'\t' -v ON_ERROR_STOP=1 --no-password 2>"$WORK/psql.stderr"; }
PSQL_PID=$SNAP_PID
SNAP_IN=${SNAP[1]}
SNAP_OUT=${SNAP[0]}
snap_send() { printf '%s\n' "$@" 1>&"$SNAP_IN" 2>/dev/null || true; }
snap_send "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY;" "SELECT pg_export_snapshot();"
SNAPSHOT=""
if ! read -r -t 60 SNAPSHOT <&"$SNAP_OUT" || [[ -z $SNAPSHOT ]]; then
  cp "$WORK/psql.stderr" "$WORK/stderr" 2>/dev/null || true
  die "cannot connect to the database" database "$PGDATABASE" host "${PGHOST:-local socket}" port "$PGPORT" detail "$(err_tail)"
fi
snap_send "$COUNT_SQL" "SELECT '__END__', 0;"
: >"$WORK/manifest.tsv"
while true; do
  if ! IFS= read -r -t 3600 line <&"$SNAP_OUT"; then
    cp "$WORK/psql.stderr" "$WORK/stderr" 2>/dev/null || true
    die "counting rows in the snapshot failed" detail "$(err_tail)"
  fi
  [[ $line == $'__END__\t0' ]] && break
  printf '%s\n' "$line" >>"$WORK/manifest.tsv"
done
LC_ALL=C sort -o "$WORK/manifest.tsv" "$WORK/manifest.tsv"
log info "snapshot exported, rows counted" tables "$(($(wc -l <"$WORK/manifest.tsv") - 1))"

# ---------------------------------------------------------------- dump
STEP=dump
DUMP="$WORK/${BASE}.dump"
t0=$(date +%s)
pg_dump --format=custom --no-password --snapshot="$SNAPSHOT" --lock-wait-timeout=300000 \
  --file="$DUMP" 2>"$WORK/stderr" ||
  die "pg_dump failed" database "$PGDATABASE" detail "$(err_tail)"
snap_send "COMMIT;"
exec {SNAP_IN}>&-
wait "$PSQL_PID" 2>/dev/null || true
PSQL_PID=""
log info "dump written" bytes "$(stat -c %s "$DUMP")" duration_s "$(($(date +%s) - t0))"

# ---------------------------------------------------------------- verify
STEP=verify
pg_restore --list "$DUMP" >"$WORK/toc" 2>"$WORK/stderr" ||
  die "the dump is not readable by pg_restore; nothing uploaded" detail "$(err_tail)"
TOC_ENTRIES=$(grep -c -v '^;' "$WORK/toc" || true)
TABLE_DATA=$(grep -c ' TABLE DATA ' "$WORK/toc" || true)
[[ $TOC_ENTRIES -gt 0 ]] || die "the dump has an empty table of contents; nothing uploaded"
# --list reads only the table of contents; reading every data block as well catches a truncated or
# damaged archive whose TOC is intact (costs one decompression pass, no database).
pg_restore --file=/dev/null "$DUMP" 2>"$WORK/stderr" ||
  die "the dump's data is unreadable (truncated or corrupted); nothing uploaded" detail "$(err_tail)"
log info "dump verified with pg_restore --list and a full read" toc_entries "$TOC_ENTRIES" table_data_entries "$TABLE_DATA"

PLAIN_SHA256=$(sha256sum "$DUMP" | cut -d ' ' -f 1)

# ---------------------------------------------------------------- encrypt
UPLOAD_FILE=$DUMP
MANIFEST_FILE="$WORK/manifest.tsv"
if [[ $ENCRYPT == true ]]; then
  STEP=encrypt
  # AES-256-CBC with a PBKDF2-SHA256 key (600k iterations, random salt): `openssl enc` has no AEAD mode
  # (GCM), and -pbkdf2 replaces its weak legacy MD5 key derivation. The passphrase is read from the
  # environment (-pass env:), never from argv. Integrity is checked by the sha256 recorded in the
  # object metadata and by pg_restore --list after decryption.
  for f in "$DUMP" "$MANIFEST_FILE"; do
    openssl enc -aes-256-cbc -pbkdf2 -iter 600000 -md sha256 -salt -pass env:BACKUP_ENCRYPTION_KEY \
      -in "$f" -out "$f.enc" 2>"$WORK/stderr" || die "encryption failed" detail "$(err_tail)"
    rm -f "$f"
  done
  UPLOAD_FILE="$DUMP.enc"
  MANIFEST_FILE="$WORK/manifest.tsv.enc"
  # Prove the ciphertext decrypts back to the verified dump, byte for byte, before it leaves the pod.
  CHECK_SHA=$(openssl enc -d -aes-256-cbc -pbkdf2 -iter 600000 -md sha256 -pass env:BACKUP_ENCRYPTION_KEY \
    -in "$UPLOAD_FILE" 2>"$WORK/stderr" | sha256sum | cut -d ' ' -f 1) ||
    die "the encrypted dump does not decrypt; nothing uploaded" detail "$(err_tail)"
  [[ $CHECK_SHA == "$PLAIN_SHA256" ]] || die "the encrypted dump does not decrypt to the verified dump; nothing uploaded"
  log info "dump encrypted client-side" cipher "aes-256-cbc" kdf "pbkdf2-sha256" iterations 600000
fi

# ---------------------------------------------------------------- upload
STEP=upload
SIZE=$(stat -c %s "$UPLOAD_FILE")
SHA256=$(sha256sum "$UPLOAD_FILE" | cut -d ' ' -f 1)
SSE_ARGS=(--sse "$BACKUP_SSE")
if [[ -n ${BACKUP_KMS_KEY_ID:-} ]]; then SSE_ARGS+=(--sse-kms-key-id "$BACKUP_KMS_KEY_ID"); fi
META="{\"sha256\":\"${SHA256}\",\"plain-sha256\":\"${PLAIN_SHA256}\",\"pg-database\":$(json_str "$PGDATABASE"),\"format\":\"pg_dump-custom\",\"client-encryption\":\"${ENCRYPT}\"}"
t0=$(date +%s)
# The manifest goes first: every visible dump then has its manifest (an orphan manifest is harmless).
aws_cli s3 cp "$MANIFEST_FILE" "s3://${BACKUP_BUCKET}/${MANIFEST_KEY}" --only-show-errors --no-progress \
  "${SSE_ARGS[@]}" --content-type text/tab-separated-values 2>"$WORK/stderr" >&2 ||
  die "manifest upload failed" key "$MANIFEST_KEY" detail "$(err_tail)"
UPLOAD_STARTED=true
aws_cli s3 cp "$UPLOAD_FILE" "s3://${BACKUP_BUCKET}/${FINAL_KEY}" --only-show-errors --no-progress \
  "${SSE_ARGS[@]}" --metadata "$META" --content-type application/octet-stream 2>"$WORK/stderr" >&2 ||
  die "upload failed; no object was created under the final key" key "$FINAL_KEY" detail "$(err_tail)"
log info "uploaded" key "$FINAL_KEY" bytes "$SIZE" duration_s "$(($(date +%s) - t0))"

# ---------------------------------------------------------------- confirm
STEP=confirm
HEAD=$(aws_cli s3api head-object --bucket "$BACKUP_BUCKET" --key "$FINAL_KEY" \
  --query '[ContentLength, ServerSideEncryption, Metadata.sha256]' --output text 2>"$WORK/stderr") ||
  die "uploaded object not found" key "$FINAL_KEY" detail "$(err_tail)"
read -r REMOTE_SIZE REMOTE_SSE REMOTE_SHA <<<"$HEAD"
[[ $REMOTE_SIZE == "$SIZE" ]] || die "size mismatch after upload" local_bytes "$SIZE" remote_bytes "$REMOTE_SIZE"
[[ $REMOTE_SHA == "$SHA256" ]] || die "sha256 metadata mismatch after upload" key "$FINAL_KEY"
[[ $REMOTE_SSE == "$BACKUP_SSE" ]] ||
  die "S3 did not confirm the requested server-side encryption" requested "$BACKUP_SSE" reported "$REMOTE_SSE"
UPLOAD_CONFIRMED=true
log info "upload confirmed by S3: size, sha256 metadata and server-side encryption match" sse "$REMOTE_SSE"

# ---------------------------------------------------------------- daily
# The first backup of each UTC day is also kept under daily/, which the lifecycle keeps for the whole
# retention period (frequent/ only for a short window). Copied server-side (no second upload), with the
# same metadata and encryption, then confirmed. A failed copy fails the run: the backup itself is safe
# under frequent/, and the next run of the day copies again.
STEP=daily
DAILY=$(aws_cli s3api list-objects-v2 --bucket "$BACKUP_BUCKET" --prefix "$DAILY_DIR" \
  --query 'Contents[].Key' --output text 2>"$WORK/stderr") ||
  die "backup uploaded, but listing the daily backups failed; the next run retries the daily copy" prefix "$DAILY_DIR" detail "$(err_tail)"
if tr '\t' '\n' <<<"$DAILY" | grep -q -E '/db_backup_[0-9]{8}_[0-9]{6}\.dump(\.enc)?$'; then
  log info "today already has a daily backup; this one is kept for the short window only" daily_prefix "$DAILY_DIR"
else
  DAILY_KEY="${DAILY_DIR}${FINAL_KEY##*/}"
  DAILY_MANIFEST_KEY="${DAILY_DIR}${MANIFEST_KEY##*/}"
  # REPLACE with the same metadata: a multipart (large) copy would not carry the source's metadata over.
  aws_cli s3 cp "s3://${BACKUP_BUCKET}/${MANIFEST_KEY}" "s3://${BACKUP_BUCKET}/${DAILY_MANIFEST_KEY}" --only-show-errors --no-progress \
    "${SSE_ARGS[@]}" --metadata-directive REPLACE --content-type text/tab-separated-values 2>"$WORK/stderr" >&2 ||
    die "backup uploaded, but copying its manifest to the daily backups failed; the next run retries" key "$DAILY_MANIFEST_KEY" detail "$(err_tail)"
  aws_cli s3 cp "s3://${BACKUP_BUCKET}/${FINAL_KEY}" "s3://${BACKUP_BUCKET}/${DAILY_KEY}" --only-show-errors --no-progress \
    "${SSE_ARGS[@]}" --metadata "$META" --metadata-directive REPLACE --content-type application/octet-stream 2>"$WORK/stderr" >&2 ||
    die "backup uploaded, but copying it to the daily backups failed; the next run retries" key "$DAILY_KEY" detail "$(err_tail)"
  HEAD=$(aws_cli s3api head-object --bucket "$BACKUP_BUCKET" --key "$DAILY_KEY" \
    --query '[ContentLength, ServerSideEncryption, Metadata.sha256]' --output text 2>"$WORK/stderr") ||
    die "daily copy not found after copying" key "$DAILY_KEY" detail "$(err_tail)"
  read -r DAILY_SIZE DAILY_SSE DAILY_SHA <<<"$HEAD"
  [[ $DAILY_SIZE == "$SIZE" && $DAILY_SHA == "$SHA256" && $DAILY_SSE == "$BACKUP_SSE" ]] ||
    die "the daily copy differs from the backup (size, sha256 metadata or encryption)" key "$DAILY_KEY" bytes "$DAILY_SIZE" sse "$DAILY_SSE"
  log info "first backup of the day: copied to the daily backups and confirmed" key "$DAILY_KEY"
fi
STEP=finish
log info "backup complete" key "$FINAL_KEY" bytes "$SIZE" sha256 "$SHA256" sse "$REMOTE_SSE" \
  client_encryption "$ENCRYPT" duration_s "$(($(date +%s) - STARTED))"
