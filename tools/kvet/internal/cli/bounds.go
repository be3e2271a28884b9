package cli

import "github.com/example/gitops-go-stack/tools/kvet/internal/build"

// boundedBuildOptions are the build options of a command that builds
// outside the runner (render): reads bounded by the repository root and
// the limits of kvet.yaml, as validate's are.
func (c *common) boundedBuildOptions() (build.Options, error) {
	opts := c.buildOptions()
	root, err := repoRoot()
	if err != nil {
		return opts, err
	}
	cfg, err := loadConfig(root, "")
	if err != nil {
		return opts, err
	}
	opts.Root = root
	opts.Limits = cfg.Limits.Guard()
	return opts, nil
}
