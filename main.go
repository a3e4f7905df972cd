// Command ssc is private, ephemeral group chat in one binary: ssc start
// hosts a session, ssc join joins one. See README.md.
package main

import (
	"os"

	"github.com/ssc-chat/ssc/cli"
)

func main() {
	os.Exit(cli.Main(cli.SystemNetwork()))
}
