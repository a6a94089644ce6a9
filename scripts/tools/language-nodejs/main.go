// Command pulumi-language-nodejs is a small, self-contained Node.js language host for the Pulumi engine.
//
// Why this exists: the upstream host lives in its own Go module
// (github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3), which is untagged and is not
// served by the Go module proxy reachable from this project's machines, so it cannot be built offline.
// This host implements the same gRPC contract (pulumirpc.LanguageRuntime) against the pinned
// github.com/pulumi/pulumi/sdk/v3 and launches the real Node.js SDK entry point
// (@pulumi/pulumi/cmd/run) exactly the way the upstream host does: same flags, same environment
// variables (PULUMI_CONFIG, PULUMI_CONFIG_SECRET_KEYS, PULUMI_NODEJS_TYPESCRIPT, ...), same exit-code
// convention (32 = error already reported). It honours the Pulumi.yaml runtime options
// `typescript`, `nodeargs` and `tsconfig`. It does not install dependencies (run npm yourself) and does
// not implement code generation, templates or policy packs.
package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	"github.com/pulumi/pulumi/sdk/v3/go/common/version"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/emptypb"
)

// exitCodeBail is what @pulumi/pulumi/cmd/run exits with after it has already reported the error.
const exitCodeBail = 32

func main() {
	fs := flag.NewFlagSet("pulumi-language-nodejs", flag.ContinueOnError)
	// Flags older engines (or humans) may pass; they are accepted for compatibility.
	tracing := fs.String("tracing", "", "Emit tracing to a Zipkin-compatible tracing endpoint")
	_ = fs.String("root", "", "Project root path (ignored; the engine sends ProgramInfo)")
	_ = fs.Bool("logtostderr", false, "ignored")
	_ = fs.Bool("logflow", false, "ignored")
	_ = fs.Int("v", 0, "ignored")
	typescript := fs.Bool("typescript", true, "default for the typescript runtime option")
	nodeargs := fs.String("nodeargs", "", "default for the nodeargs runtime option")
	tsconfig := fs.String("tsconfig", "", "default for the tsconfig runtime option")
	_ = fs.String("packagemanager", "", "ignored")
	if err := fs.Parse(os.Args[1:]); err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-language-nodejs: %v\n", err)
		os.Exit(2)
	}
	host := &nodeHost{
		tracing:       *tracing,
		defTypescript: *typescript,
		defNodeargs:   *nodeargs,
		defTsconfig:   *tsconfig,
		engineAddress: fs.Arg(0),
	}
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(srv, host)
			return nil
		},
		Options: rpcutil.OpenTracingServerInterceptorOptions(nil),
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-language-nodejs: could not start gRPC server: %v\n", err)
		os.Exit(1)
	}
	// The engine reads the port from the first line of stdout.
	fmt.Printf("%d\n", handle.Port)
	if err := <-handle.Done; err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-language-nodejs: %v\n", err)
		os.Exit(1)
	}
}

type nodeHost struct {
	pulumirpc.UnimplementedLanguageRuntimeServer

	mu            sync.Mutex
	engineAddress string
	tracing       string
	defTypescript bool
	defNodeargs   string
	defTsconfig   string
}

func (h *nodeHost) Handshake(_ context.Context, req *pulumirpc.LanguageHandshakeRequest) (*pulumirpc.LanguageHandshakeResponse, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.engineAddress = req.GetEngineAddress()
	return &pulumirpc.LanguageHandshakeResponse{}, nil
}

func (h *nodeHost) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: version.Version}, nil
}

// runtimeOptions are the Pulumi.yaml `runtime.options` this host understands.
type runtimeOptions struct {
	typescript bool
	nodeargs   string
	tsconfig   string
}

func (h *nodeHost) options(info *pulumirpc.ProgramInfo) runtimeOptions {
	o := runtimeOptions{typescript: h.defTypescript, nodeargs: h.defNodeargs, tsconfig: h.defTsconfig}
	if info == nil || info.GetOptions() == nil {
		return o
	}
	m := info.GetOptions().AsMap()
	if v, ok := m["typescript"]; ok {
		switch t := v.(type) {
		case bool:
			o.typescript = t
		case string:
			o.typescript = t == "true"
		}
	}
	if v, ok := m["nodeargs"].(string); ok {
		o.nodeargs = v
	}
	if v, ok := m["tsconfig"].(string); ok {
		o.tsconfig = v
	}
	return o
}

// ---------------------------------------------------------------------------------------------
// Required packages: every package.json under the program's node_modules with a `pulumi` block
// declaring `"resource": true` (the same convention the upstream host and `pulumi plugin` use).

type pulumiBlock struct {
	Resource         bool   `json:"resource"`
	Name             string `json:"name"`
	Version          string `json:"version"`
	Server           string `json:"server"`
	Parameterization *struct {
		Name    string `json:"name"`
		Version string `json:"version"`
		Value   string `json:"value"`
	} `json:"parameterization"`
}

type packageJSON struct {
	Name            string            `json:"name"`
	Version         string            `json:"version"`
	Dependencies    map[string]string `json:"dependencies"`
	DevDependencies map[string]string `json:"devDependencies"`
	Pulumi          *pulumiBlock      `json:"pulumi"`
}

func readPackageJSON(path string) (*packageJSON, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var p packageJSON
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &p, nil
}

// findUp returns the first existing path dir/rel, walking from dir up to the filesystem root.
func findUp(dir, rel string) string {
	for d := dir; ; d = filepath.Dir(d) {
		p := filepath.Join(d, rel)
		if _, err := os.Stat(p); err == nil {
			return p
		}
		if parent := filepath.Dir(d); parent == d {
			return ""
		}
	}
}

type pulumiprogram struct{ root, dir, entry string }

func programFrom(info *pulumirpc.ProgramInfo, pwd, program string) pulumiprogram {
	p := pulumiprogram{root: pwd, dir: pwd, entry: program}
	if info != nil {
		if info.GetRootDirectory() != "" {
			p.root = info.GetRootDirectory()
		}
		if info.GetProgramDirectory() != "" {
			p.dir = info.GetProgramDirectory()
		}
		if info.GetEntryPoint() != "" {
			p.entry = info.GetEntryPoint()
		}
	}
	if p.dir == "" {
		p.dir, _ = os.Getwd()
	}
	if p.root == "" {
		p.root = p.dir
	}
	if p.entry == "" {
		p.entry = "."
	}
	return p
}

func collectPackages(nodeModules string, depth int, seen map[string]bool, out *[]*pulumirpc.PackageDependency) error {
	if depth > 4 {
		return nil
	}
	entries, err := os.ReadDir(nodeModules)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil
		}
		return err
	}
	var dirs []string
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, ".") {
			continue
		}
		if strings.HasPrefix(name, "@") {
			scoped, err := os.ReadDir(filepath.Join(nodeModules, name))
			if err != nil {
				continue
			}
			for _, s := range scoped {
				dirs = append(dirs, filepath.Join(nodeModules, name, s.Name()))
			}
			continue
		}
		dirs = append(dirs, filepath.Join(nodeModules, name))
	}
	for _, d := range dirs {
		pkg, err := readPackageJSON(filepath.Join(d, "package.json"))
		if err == nil && pkg.Pulumi != nil && pkg.Pulumi.Resource {
			name := pkg.Pulumi.Name
			if name == "" {
				name = strings.TrimPrefix(pkg.Name, "@pulumi/")
			}
			ver := pkg.Pulumi.Version
			if ver == "" {
				ver = pkg.Version
			}
			dep := &pulumirpc.PackageDependency{Kind: "resource", Name: name, Version: ver, Server: pkg.Pulumi.Server}
			if pz := pkg.Pulumi.Parameterization; pz != nil {
				value, err := base64.StdEncoding.DecodeString(pz.Value)
				if err != nil {
					return fmt.Errorf("%s: bad parameterization value: %w", d, err)
				}
				dep.Parameterization = &pulumirpc.PackageParameterization{Name: pz.Name, Version: pz.Version, Value: value}
			}
			key := dep.Name + "@" + dep.Version
			if dep.Parameterization != nil {
				key += "/" + dep.Parameterization.Name + "@" + dep.Parameterization.Version
			}
			if !seen[key] {
				seen[key] = true
				*out = append(*out, dep)
			}
		}
		if err := collectPackages(filepath.Join(d, "node_modules"), depth+1, seen, out); err != nil {
			return err
		}
	}
	return nil
}

func requiredPackages(info *pulumirpc.ProgramInfo) ([]*pulumirpc.PackageDependency, error) {
	p := programFrom(info, "", "")
	nm := findUp(p.dir, "node_modules")
	var out []*pulumirpc.PackageDependency
	if nm == "" {
		return out, nil
	}
	if err := collectPackages(nm, 0, map[string]bool{}, &out); err != nil {
		return nil, err
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name+out[i].Version < out[j].Name+out[j].Version })
	return out, nil
}

func (h *nodeHost) GetRequiredPackages(_ context.Context, req *pulumirpc.GetRequiredPackagesRequest) (*pulumirpc.GetRequiredPackagesResponse, error) {
	pkgs, err := requiredPackages(req.GetInfo())
	if err != nil {
		return nil, err
	}
	return &pulumirpc.GetRequiredPackagesResponse{Packages: pkgs}, nil
}

func (h *nodeHost) GetRequiredPlugins(_ context.Context, req *pulumirpc.GetRequiredPluginsRequest) (*pulumirpc.GetRequiredPluginsResponse, error) {
	pkgs, err := requiredPackages(req.GetInfo())
	if err != nil {
		return nil, err
	}
	var plugins []*pulumirpc.PluginDependency
	for _, p := range pkgs {
		if p.Parameterization != nil {
			continue
		}
		plugins = append(plugins, &pulumirpc.PluginDependency{Kind: p.Kind, Name: p.Name, Version: p.Version, Server: p.Server})
	}
	return &pulumirpc.GetRequiredPluginsResponse{Plugins: plugins}, nil
}

// ---------------------------------------------------------------------------------------------
// Run

func splitArgs(s string) ([]string, error) {
	var out []string
	var cur strings.Builder
	inWord, quote, escaped := false, rune(0), false
	for _, r := range s {
		switch {
		case escaped:
			cur.WriteRune(r)
			escaped = false
		case r == '\\' && quote != '\'':
			escaped, inWord = true, true
		case quote != 0:
			if r == quote {
				quote = 0
			} else {
				cur.WriteRune(r)
			}
		case r == '"' || r == '\'':
			quote, inWord = r, true
		case r == ' ' || r == '\t' || r == '\n':
			if inWord {
				out = append(out, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	if quote != 0 || escaped {
		return nil, fmt.Errorf("unterminated quote or escape in nodeargs %q", s)
	}
	if inWord {
		out = append(out, cur.String())
	}
	return out, nil
}

func (h *nodeHost) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	prog := programFrom(req.GetInfo(), req.GetPwd(), req.GetProgram())
	opts := h.options(req.GetInfo())

	nodeBin, err := exec.LookPath("node")
	if err != nil {
		return nil, fmt.Errorf("could not find node on the $PATH: %w", err)
	}
	runPath := findUp(prog.dir, filepath.Join("node_modules", "@pulumi", "pulumi", "cmd", "run"))
	if runPath == "" {
		return &pulumirpc.RunResponse{Error: fmt.Sprintf(
			"it looks like the Pulumi SDK has not been installed: no node_modules/@pulumi/pulumi above %s; run `npm install`", prog.dir)}, nil
	}

	config := req.GetConfig()
	if config == nil {
		config = map[string]string{}
	}
	configJSON, err := json.Marshal(config)
	if err != nil {
		return nil, err
	}
	secretKeys := req.GetConfigSecretKeys()
	if secretKeys == nil {
		secretKeys = []string{}
	}
	secretKeysJSON, err := json.Marshal(secretKeys)
	if err != nil {
		return nil, err
	}

	args, err := splitArgs(opts.nodeargs)
	if err != nil {
		return nil, err
	}
	h.mu.Lock()
	engine := h.engineAddress
	h.mu.Unlock()
	args = append(args, runPath, "--monitor="+req.GetMonitorAddress())
	if engine != "" {
		args = append(args, "--engine="+engine)
	}
	if req.GetOrganization() != "" {
		args = append(args, "--organization="+req.GetOrganization())
	}
	args = append(args, "--project="+req.GetProject(), "--stack="+req.GetStack(), "--pwd="+prog.dir,
		"--root-directory="+prog.root)
	if req.GetDryRun() {
		args = append(args, "--dry-run")
	}
	if req.GetParallel() > 0 {
		args = append(args, "--parallel="+strconv.Itoa(int(req.GetParallel())))
	}
	if h.tracing != "" {
		args = append(args, "--tracing="+h.tracing)
	}
	args = append(args, prog.entry)
	args = append(args, req.GetArgs()...)

	env := append(os.Environ(),
		"PULUMI_CONFIG="+string(configJSON),
		"PULUMI_CONFIG_SECRET_KEYS="+string(secretKeysJSON),
		"PULUMI_NODEJS_TYPESCRIPT="+strconv.FormatBool(opts.typescript),
	)
	if opts.tsconfig != "" {
		env = append(env, "PULUMI_NODEJS_TSCONFIG_PATH="+opts.tsconfig)
	}

	cmd := exec.CommandContext(ctx, nodeBin, args...)
	// The project root (where Pulumi.yaml is), as upstream's host runs it: relative paths in stack config
	// (kubernetes.kubeconfig: .cluster/kubeconfig) resolve there whatever directory `main` points into.
	cmd.Dir = prog.root
	cmd.Env = env
	cmd.Stdout = os.Stdout
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			if exitErr.ExitCode() == exitCodeBail {
				return &pulumirpc.RunResponse{Bail: true}, nil
			}
			return &pulumirpc.RunResponse{Error: fmt.Sprintf("Program exited with non-zero exit code: %d", exitErr.ExitCode())}, nil
		}
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("Problem executing program (could not run language executor): %v", err)}, nil
	}
	return &pulumirpc.RunResponse{}, nil
}

// ---------------------------------------------------------------------------------------------
// Informational RPCs

func nodeVersion() (string, string) {
	nodeBin, err := exec.LookPath("node")
	if err != nil {
		return "", ""
	}
	out, err := exec.Command(nodeBin, "--version").Output()
	if err != nil {
		return nodeBin, ""
	}
	return nodeBin, strings.TrimPrefix(strings.TrimSpace(string(out)), "v")
}

func (h *nodeHost) About(context.Context, *pulumirpc.AboutRequest) (*pulumirpc.AboutResponse, error) {
	bin, ver := nodeVersion()
	return &pulumirpc.AboutResponse{Executable: bin, Version: ver,
		Metadata: map[string]string{"host": "go-service-stack offline pulumi-language-nodejs"}}, nil
}

func (h *nodeHost) GetProgramDependencies(_ context.Context, req *pulumirpc.GetProgramDependenciesRequest) (*pulumirpc.GetProgramDependenciesResponse, error) {
	prog := programFrom(req.GetInfo(), req.GetPwd(), req.GetProgram())
	pj := findUp(prog.dir, "package.json")
	resp := &pulumirpc.GetProgramDependenciesResponse{}
	if pj == "" {
		return resp, nil
	}
	pkg, err := readPackageJSON(pj)
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(pkg.Dependencies))
	for n := range pkg.Dependencies {
		names = append(names, n)
	}
	if req.GetTransitiveDependencies() {
		for n := range pkg.DevDependencies {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	for _, n := range names {
		ver := ""
		if p := findUp(prog.dir, filepath.Join("node_modules", n, "package.json")); p != "" {
			if dep, err := readPackageJSON(p); err == nil {
				ver = dep.Version
			}
		}
		resp.Dependencies = append(resp.Dependencies, &pulumirpc.DependencyInfo{Name: n, Version: ver})
	}
	return resp, nil
}

func (h *nodeHost) RuntimeOptionsPrompts(context.Context, *pulumirpc.RuntimeOptionsRequest) (*pulumirpc.RuntimeOptionsResponse, error) {
	return &pulumirpc.RuntimeOptionsResponse{}, nil
}

// InstallDependencies deliberately installs nothing: dependencies come from the repository's
// package-lock.json via `npm ci`. It only reports whether node_modules is present.
func (h *nodeHost) InstallDependencies(req *pulumirpc.InstallDependenciesRequest, server grpc.ServerStreamingServer[pulumirpc.InstallDependenciesResponse]) error {
	prog := programFrom(req.GetInfo(), req.GetDirectory(), "")
	msg := "node_modules found; nothing to install (this offline host never runs a package manager)\n"
	if findUp(prog.dir, "node_modules") == "" {
		msg = "no node_modules found above " + prog.dir + "; run `npm ci` first\n"
	}
	return server.Send(&pulumirpc.InstallDependenciesResponse{Stdout: []byte(msg)})
}
