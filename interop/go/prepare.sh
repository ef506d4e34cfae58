#!/usr/bin/env bash
# Builds interop/go's rmqts-go (the official Go client github.com/apache/rocketmq-client-go/v2, the
# version pinned in go.mod) into interop/go/bin/rmqts-go. The first run downloads the modules
# through the Go module proxy (GOPROXY) into the module cache; later runs are offline-fast.
# interop/test/go-client.test.ts builds it itself when the binary is missing or older than the
# sources; CI runs this first so the download is not charged to the test's timeout.
# Needs Go 1.22+ on PATH. Works from any cwd.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
go mod download
go build -buildvcs=false -o bin/rmqts-go .
echo "interop Go program: interop/go/bin/rmqts-go ($(go list -m -f '{{.Path}} {{.Version}}' github.com/apache/rocketmq-client-go/v2))"
