// Command ascendkit moves a company's users from Clerk into AscendKit and
// sets up the migration emails. See README.md.
package main

import (
	"os"

	"github.com/ascendkit/ascendkit/cli"
)

func main() { os.Exit(cli.Execute()) }
