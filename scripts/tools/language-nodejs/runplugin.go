package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"strconv"

	sdk "github.com/pulumi/pulumi/sdk/v3"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// RunPlugin runs a plugin written in Node.js. The engine uses it for policy packs (kind "analyzer"):
// node <nodeargs> node_modules/@pulumi/pulumi/cmd/run-policy-pack <engine address> <pack dir>, cwd = pack dir.
func (h *nodeHost) RunPlugin(req *pulumirpc.RunPluginRequest, server pulumirpc.LanguageRuntime_RunPluginServer) error {
	ctx := server.Context()
	info := req.GetInfo()
	dir := info.GetProgramDirectory()
	opts := h.options(info)
	analyzer := req.GetKind() == "analyzer"

	nodeBin, err := exec.LookPath("node")
	if err != nil {
		return fmt.Errorf("could not find node on the $PATH: %w", err)
	}
	entry := "run-plugin"
	if analyzer {
		entry = "run-policy-pack"
	}
	runPath := findUp(dir, filepath.Join("node_modules", "@pulumi", "pulumi", "cmd", entry))
	if runPath == "" {
		return fmt.Errorf("it looks like the Pulumi SDK has not been installed: no node_modules/@pulumi/pulumi/cmd/%s above %s; run `npm install`", entry, dir)
	}
	closer, stdout, stderr, err := rpcutil.MakeRunPluginStreams(server, false)
	if err != nil {
		return err
	}
	defer closer.Close()

	args, err := splitArgs(opts.nodeargs)
	if err != nil {
		return err
	}
	args = append(args, runPath)
	if analyzer {
		args = append(args, req.GetArgs()...)
		args = append(args, dir)
	} else {
		args = append(args, dir)
		args = append(args, req.GetArgs()...)
	}
	env := append(req.GetEnv(), "PULUMI_NODEJS_TYPESCRIPT="+strconv.FormatBool(opts.typescript))
	if opts.tsconfig != "" {
		env = append(env, "PULUMI_NODEJS_TSCONFIG_PATH="+opts.tsconfig)
	}

	if analyzer && !opts.typescript {
		// @pulumi/pulumi/cmd/run-policy-pack always registers its vendored ts-node for .ts files (it has no
		// PULUMI_NODEJS_TYPESCRIPT switch, unlike cmd/run). With `typescript: false` the pack's TypeScript is
		// loaded by whatever nodeargs set up (here: --import tsx), so make ts-node ignore every file.
		env = append(env, "TS_NODE_IGNORE=.")
	}
	var proxy *sdk.PolicyProxy
	if analyzer {
		// The engine's first call is ConfigureStack (stack name, config); the proxy answers it, and we pass
		// the values to the pack through the environment like the upstream host does.
		proxy, stdout, err = sdk.NewPolicyProxy(ctx, stdout)
		if err != nil {
			return fmt.Errorf("could not start policy pack proxy: %w", err)
		}
		cfg, err := proxy.AwaitConfiguration(ctx)
		if err != nil {
			return fmt.Errorf("could not get stack configuration: %w", err)
		}
		if cfg != nil {
			add := func(k, v string) {
				if v != "" {
					env = append(env, k+"="+v)
				}
			}
			add("PULUMI_NODEJS_ORGANIZATION", cfg.GetOrganization())
			add("PULUMI_NODEJS_PROJECT", cfg.GetProject())
			add("PULUMI_NODEJS_STACK", cfg.GetStack())
			add("PULUMI_NODEJS_DRY_RUN", strconv.FormatBool(cfg.GetDryRun()))
			if cfg.GetConfig() != nil {
				b, err := json.Marshal(cfg.GetConfig())
				if err != nil {
					return err
				}
				add("PULUMI_CONFIG", string(b))
			}
		}
	}

	cmd := exec.CommandContext(ctx, nodeBin, args...)
	if analyzer {
		cmd.Dir = dir
	} else {
		cmd.Dir = req.GetPwd()
	}
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = stdout, stderr
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("could not start node: %w", err)
	}
	if proxy != nil {
		err = proxy.Attach(ctx, cmd)
	} else {
		err = cmd.Wait()
	}
	if err != nil {
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			return fmt.Errorf("Program exited with non-zero exit code: %d", exitErr.ExitCode())
		}
		return err
	}
	return closer.Close()
}
