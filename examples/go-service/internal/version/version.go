// Package version holds the release the binary reports on GET /version and in app_build_info.
package version

// version is set at build time:
//
//	go build -ldflags "-X github.com/go-service-stack/examples/go-service/internal/version.version=v1.4.2" ./cmd/server
//
// It stays "dev" for go run and go test. The APP_VERSION environment variable, when set, wins
// (config.Load), so an image can be relabelled without a rebuild.
var version = "dev"

// Build returns the version stamped into the binary by -ldflags -X, or "dev".
func Build() string { return version }
