package cli

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
	"go.uber.org/goleak"
)

// TestMain lets the test binary be ssc itself: scripts run "ssc" as a
// program, through Main as package main calls it, exit status included.
// That ssc finds and announces sessions, and opens its tunnel, through the
// doubles of netdouble_test.go. The tests, which run sessions in this
// process too, must leave no goroutine behind.
func TestMain(m *testing.M) {
	testscript.Main(leakChecked{m}, map[string]func(){
		"ssc": func() { os.Exit(Main(testNetwork())) },
	})
}

// leakChecked runs the tests as goleak.VerifyTestMain does, but returns
// the exit code instead of exiting, so that testscript.Main still removes
// the directory it made for the "ssc" program.
type leakChecked struct{ m *testing.M }

func (l leakChecked) Run() (code int) {
	goleak.VerifyTestMain(l.m, goleak.Cleanup(func(c int) { code = c }))
	return code
}

// TestScripts runs the command-line scripts in testdata/script. The
// commands they may use beyond testscript's own are described in
// script_test.go.
func TestScripts(t *testing.T) {
	dir := filepath.Join("testdata", "script")
	files, err := filepath.Glob(filepath.Join(dir, "*.txtar"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("no scripts in %s: the command line would go untested", dir)
	}
	testscript.Run(t, testscript.Params{
		Dir:                 dir,
		Setup:               setupScript,
		Cmds:                scriptCmds,
		RequireExplicitExec: true,
		RequireUniqueNames:  true,
	})
}
