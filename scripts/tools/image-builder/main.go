// image-builder writes a container image made of static binaries (no base image, no registry) to a
// docker-archive tarball that `ctr images import` (and `docker load`) read. One archive may carry
// several tags of the same image.
//
//	image-builder --binary ./server[:/server] [--binary ...] --entrypoint /server [--cmd ARG ...]
//	              [--env K=V ...] [--user 10001:10001] [--workdir /] [--label K=V ...]
//	              [--expose 8080/tcp ...] --tag registry.example.com/myapp:v1.4.2 [--tag ...] --out image.tar
//
// The image is reproducible: files are owned by root, modes are fixed (0755 for binaries), every
// timestamp is the Unix epoch (or $SOURCE_DATE_EPOCH), so the same inputs give the same image ID.
package main

import (
	"archive/tar"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

type multi []string

func (m *multi) String() string     { return strings.Join(*m, ",") }
func (m *multi) Set(v string) error { *m = append(*m, v); return nil }

func main() {
	if err := run(os.Args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return
		}
		fmt.Fprintln(os.Stderr, "image-builder:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("image-builder", flag.ContinueOnError)
	var binaries, envs, tags, labels, cmd, expose, dirs multi
	fs.Var(&binaries, "binary", "SRC[:DEST] a file to put in the image (DEST defaults to /<basename of SRC>), mode 0755; repeatable")
	fs.Var(&dirs, "dir", "PATH[:MODE] an empty directory in the image (MODE octal, default 1777 for /tmp, else 0755); repeatable")
	entrypoint := fs.String("entrypoint", "", "the entrypoint (an absolute path in the image)")
	fs.Var(&cmd, "cmd", "an argument of the image's Cmd; repeatable")
	fs.Var(&envs, "env", "K=V environment variable; repeatable")
	user := fs.String("user", "", "UID[:GID] the image runs as (numeric, so runAsNonRoot can verify it)")
	workdir := fs.String("workdir", "/", "working directory")
	fs.Var(&labels, "label", "K=V image label; repeatable")
	fs.Var(&expose, "expose", "PORT/PROTO exposed port (documentation only); repeatable")
	fs.Var(&tags, "tag", "REGISTRY/REPO:TAG written into the archive; repeatable (at least one)")
	out := fs.String("out", "", "output docker-archive tarball")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: image-builder --binary SRC[:DEST] --entrypoint /DEST --tag NAME:TAG [--tag ...] --out image.tar [options]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %q", fs.Args())
	}
	if len(binaries) == 0 {
		return errors.New("at least one --binary is required")
	}
	if len(tags) == 0 {
		return errors.New("at least one --tag is required")
	}
	if *out == "" {
		return errors.New("--out is required")
	}
	if *entrypoint != "" && !strings.HasPrefix(*entrypoint, "/") {
		return fmt.Errorf("--entrypoint %q must be an absolute path", *entrypoint)
	}
	if *user != "" {
		for _, part := range strings.Split(*user, ":") {
			if _, err := strconv.ParseUint(part, 10, 32); err != nil {
				return fmt.Errorf("--user %q must be numeric UID[:GID]", *user)
			}
		}
	}
	for _, e := range envs {
		if k, _, ok := strings.Cut(e, "="); !ok || k == "" {
			return fmt.Errorf("--env %q is not K=V", e)
		}
	}

	mtime := time.Unix(0, 0).UTC()
	if s := os.Getenv("SOURCE_DATE_EPOCH"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return fmt.Errorf("SOURCE_DATE_EPOCH=%q: %w", s, err)
		}
		mtime = time.Unix(n, 0).UTC()
	}
	layerTar, err := buildLayer(binaries, dirs, mtime)
	if err != nil {
		return err
	}
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(layerTar)), nil
	})
	if err != nil {
		return fmt.Errorf("layer: %w", err)
	}
	img, err := mutate.AppendLayers(empty.Image, layer)
	if err != nil {
		return fmt.Errorf("append layer: %w", err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return err
	}
	cf = cf.DeepCopy()
	cf.Architecture = runtime.GOARCH
	cf.OS = "linux"
	cf.Created = v1.Time{Time: mtime}
	cf.Config.Env = append([]string{"PATH=/"}, envs...)
	if *entrypoint != "" {
		cf.Config.Entrypoint = []string{*entrypoint}
	}
	if len(cmd) > 0 {
		cf.Config.Cmd = cmd
	}
	cf.Config.User = *user
	cf.Config.WorkingDir = *workdir
	if len(labels) > 0 {
		cf.Config.Labels = map[string]string{}
		for _, l := range labels {
			k, v, ok := strings.Cut(l, "=")
			if !ok {
				return fmt.Errorf("--label %q is not K=V", l)
			}
			cf.Config.Labels[k] = v
		}
	}
	if len(expose) > 0 {
		cf.Config.ExposedPorts = map[string]struct{}{}
		for _, p := range expose {
			cf.Config.ExposedPorts[p] = struct{}{}
		}
	}
	cf.History = []v1.History{{Created: v1.Time{Time: mtime}, CreatedBy: "image-builder"}}
	img, err = mutate.ConfigFile(img, cf)
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}

	refs := map[name.Reference]v1.Image{}
	for _, t := range tags {
		tag, err := name.NewTag(t, name.StrictValidation)
		if err != nil {
			return fmt.Errorf("--tag %q: %w", t, err)
		}
		refs[tag] = img
	}
	tmp := *out + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	if err := tarball.MultiRefWrite(refs, f); err != nil {
		f.Close()
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", *out, err)
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, *out); err != nil {
		return err
	}
	id, err := img.ConfigName()
	if err != nil {
		return err
	}
	fmt.Printf("%s %s\n", id, strings.Join(tags, " "))
	return nil
}

// buildLayer returns an uncompressed tar with the parent directories, the directories and the files.
func buildLayer(binaries, dirs []string, mtime time.Time) ([]byte, error) {
	type entry struct {
		dest string
		src  string // "" for a directory
		mode int64
	}
	entries := map[string]entry{}
	addParents := func(p string) {
		for d := path.Dir(p); d != "/" && d != "."; d = path.Dir(d) {
			if _, ok := entries[d]; !ok {
				entries[d] = entry{dest: d, mode: 0o755}
			}
		}
	}
	for _, b := range binaries {
		src, dest, ok := strings.Cut(b, ":")
		if !ok {
			dest = "/" + path.Base(src)
		}
		if !strings.HasPrefix(dest, "/") {
			return nil, fmt.Errorf("--binary %q: destination must be absolute", b)
		}
		dest = path.Clean(dest)
		if _, err := os.Stat(src); err != nil {
			return nil, fmt.Errorf("--binary %q: %w", b, err)
		}
		entries[dest] = entry{dest: dest, src: src, mode: 0o755}
		addParents(dest)
	}
	for _, d := range dirs {
		p, m, hasMode := strings.Cut(d, ":")
		p = path.Clean(p)
		if !strings.HasPrefix(p, "/") {
			return nil, fmt.Errorf("--dir %q must be absolute", d)
		}
		mode := int64(0o755)
		if p == "/tmp" {
			mode = 0o1777
		}
		if hasMode {
			n, err := strconv.ParseInt(m, 8, 32)
			if err != nil {
				return nil, fmt.Errorf("--dir %q: mode: %w", d, err)
			}
			mode = n
		}
		entries[p] = entry{dest: p, mode: mode}
		addParents(p)
	}
	keys := make([]string, 0, len(entries))
	for k := range entries {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, k := range keys {
		e := entries[k]
		name := strings.TrimPrefix(e.dest, "/")
		if e.src == "" {
			if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: name + "/", Mode: e.mode, ModTime: mtime, Format: tar.FormatPAX}); err != nil {
				return nil, err
			}
			continue
		}
		data, err := os.ReadFile(e.src)
		if err != nil {
			return nil, err
		}
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: e.mode, Size: int64(len(data)), ModTime: mtime, Format: tar.FormatPAX}); err != nil {
			return nil, err
		}
		if _, err := tw.Write(data); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
