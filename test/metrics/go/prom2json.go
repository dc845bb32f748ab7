// Reads the Prometheus text format on stdin with Prometheus' own parser (prometheus/common's
// expfmt, through prom2json) and writes prom2json's JSON on stdout; exits 1 on any parse error.
package main

import (
	"encoding/json"
	"fmt"
	"os"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/prom2json"
)

func main() {
	ch := make(chan *dto.MetricFamily, 1024)
	errc := make(chan error, 1)
	go func() { errc <- prom2json.ParseReader(os.Stdin, ch) }()
	families := []*prom2json.Family{}
	for mf := range ch {
		families = append(families, prom2json.NewFamily(mf))
	}
	if err := <-errc; err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := json.NewEncoder(os.Stdout).Encode(families); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
