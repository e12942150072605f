package metrics_test

import (
	"encoding/json"
	"net/http/httptest"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"

	"github.com/l2sw/l2sw/metrics"
)

const dashboardPath = "../examples/grafana/l2sw-dashboard.json"

// A Grafana dashboard as far as the test reads it: panels (rows may nest
// more) with PromQL targets, and the template variables' queries.
type dashboard struct {
	Panels     []panel `json:"panels"`
	Templating struct {
		List []struct {
			Name  string          `json:"name"`
			Query json.RawMessage `json:"query"`
		} `json:"list"`
	} `json:"templating"`
}

type panel struct {
	Title   string `json:"title"`
	Targets []struct {
		Expr string `json:"expr"`
	} `json:"targets"`
	Panels []panel `json:"panels"`
}

func (p panel) walk(fn func(title, expr string)) {
	for _, t := range p.Targets {
		fn(p.Title, t.Expr)
	}
	for _, c := range p.Panels {
		c.walk(fn)
	}
}

// selector is a metric name a PromQL expression reads, with the labels it
// matches on.
type selector struct {
	metric string
	labels []string
}

var (
	promString   = regexp.MustCompile(`"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'`)
	promRange    = regexp.MustCompile(`\[[^\]]*\]`)
	promGrouping = regexp.MustCompile(`\b(?:by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)`)
	promSelector = regexp.MustCompile(`([A-Za-z_:][A-Za-z0-9_:]*)?\s*\{([^}]*)\}`)
	promMatcher  = regexp.MustCompile(`([A-Za-z_][A-Za-z0-9_]*)\s*(?:=~|!~|!=|=)`)
	promIdent    = regexp.MustCompile(`[A-Za-z_:][A-Za-z0-9_:]*`)
	promKeywords = map[string]bool{"and": true, "or": true, "unless": true, "bool": true, "offset": true,
		"by": true, "without": true, "on": true, "ignoring": true, "group_left": true, "group_right": true, "inf": true, "nan": true}
)

// parsePromQL returns the selectors of expr and the labels it groups or
// matches vectors by. It is no PromQL parser, but it reads the subset that
// dashboards use: functions, aggregations with by/without, binary
// operators, label matchers, range selectors and Grafana's $variables.
func parsePromQL(expr string) (sels []selector, grouping []string) {
	e := promString.ReplaceAllString(expr, `""`)
	e = promRange.ReplaceAllString(e, "")
	for _, m := range promGrouping.FindAllStringSubmatch(e, -1) {
		for _, l := range strings.Split(m[1], ",") {
			if l = strings.TrimSpace(l); l != "" {
				grouping = append(grouping, l)
			}
		}
	}
	e = promGrouping.ReplaceAllString(e, " ")
	e = promSelector.ReplaceAllStringFunc(e, func(s string) string {
		m := promSelector.FindStringSubmatch(s)
		sel := selector{metric: m[1]}
		for _, lm := range promMatcher.FindAllStringSubmatch(m[2], -1) {
			sel.labels = append(sel.labels, lm[1])
		}
		if sel.metric == "" { // {__name__="..."}: not used here
			return " "
		}
		sels = append(sels, sel)
		return " "
	})
	for _, loc := range promIdent.FindAllStringIndex(e, -1) {
		id := e[loc[0]:loc[1]]
		if loc[0] > 0 && (e[loc[0]-1] == '$' || e[loc[0]-1] >= '0' && e[loc[0]-1] <= '9' || e[loc[0]-1] == '.') {
			continue // a $variable, or the exponent or unit of a number
		}
		if promKeywords[strings.ToLower(id)] || strings.HasPrefix(strings.TrimLeft(e[loc[1]:], " "), "(") {
			continue // keywords, functions, aggregations
		}
		sels = append(sels, selector{metric: id})
	}
	return sels, grouping
}

func TestParsePromQL(t *testing.T) {
	sels, grouping := parsePromQL(`sum by (reason) (rate(l2sw_port_drops_total{instance=~"$instance",interface=~"a|b"}[$__rate_interval])) > 0 or l2sw_cam_entries / l2sw_cam_capacity * 1e3`)
	var got []string
	for _, s := range sels {
		got = append(got, s.metric+"{"+strings.Join(s.labels, ",")+"}")
	}
	want := []string{"l2sw_port_drops_total{instance,interface}", "l2sw_cam_entries{}", "l2sw_cam_capacity{}"}
	if !slices.Equal(got, want) || !slices.Equal(grouping, []string{"reason"}) {
		t.Errorf("selectors %v grouping %v, want %v [reason]", got, grouping, want)
	}
}

// labelsOf returns, per metric name, the label names its samples carry.
func labelsOf(fams map[string]*dto.MetricFamily) map[string]map[string]bool {
	out := map[string]map[string]bool{}
	for name, mf := range fams {
		ls := map[string]bool{}
		for _, m := range mf.GetMetric() {
			for _, lp := range m.GetLabel() {
				ls[lp.GetName()] = true
			}
		}
		out[name] = ls
	}
	return out
}

// TestDashboardMetricsExist loads the example Grafana dashboard, takes
// every metric each panel's PromQL and each template variable reads, and
// checks it against a real scrape of a running switch over HTTP: the
// metric is served, and every label the query matches or groups on is on
// it (instance and job are added by Prometheus, not by the exporter).
func TestDashboardMetricsExist(t *testing.T) {
	raw, err := os.ReadFile(dashboardPath)
	if err != nil {
		t.Fatal(err)
	}
	var d dashboard
	if err := json.Unmarshal(raw, &d); err != nil {
		t.Fatalf("%s: %v", dashboardPath, err)
	}

	l := newLab(t)
	srv := httptest.NewServer(metrics.Handler(l.sw))
	defer srv.Close()
	labels := labelsOf(scrapeURL(t, srv.URL+metrics.Path))
	added := map[string]bool{"instance": true, "job": true}

	used := map[string]bool{}
	check := func(where, expr string) {
		sels, grouping := parsePromQL(expr)
		if len(sels) == 0 {
			t.Errorf("%s: no metric found in %q", where, expr)
		}
		for _, s := range sels {
			used[s.metric] = true
			have, ok := labels[s.metric]
			if !ok {
				t.Errorf("%s: %s is not in the scrape (%q)", where, s.metric, expr)
				continue
			}
			for _, l := range s.labels {
				if !have[l] && !added[l] {
					t.Errorf("%s: %s has no label %q (%q)", where, s.metric, l, expr)
				}
			}
		}
		for _, g := range grouping {
			found := added[g]
			for _, s := range sels {
				found = found || labels[s.metric][g]
			}
			if !found {
				t.Errorf("%s: no metric of %q has the label %q it groups by", where, expr, g)
			}
		}
	}
	n := 0
	for _, p := range d.Panels {
		p.walk(func(title, expr string) { n++; check("panel "+title, expr) })
	}
	labelValues := regexp.MustCompile(`label_values\((.*),\s*[A-Za-z_]+\)$`)
	for _, v := range d.Templating.List {
		var q struct {
			Query string `json:"query"`
		}
		if err := json.Unmarshal(v.Query, &q); err != nil {
			_ = json.Unmarshal(v.Query, &q.Query) // older dashboards: a plain string
		}
		m := labelValues.FindStringSubmatch(q.Query)
		if m == nil {
			t.Errorf("variable %s: query %q is not label_values(SELECTOR, LABEL)", v.Name, q.Query)
			continue
		}
		check("variable "+v.Name, m[1])
	}
	if n < 20 {
		t.Errorf("only %d panel queries in %s", n, dashboardPath)
	}
	var names []string
	for m := range used {
		names = append(names, m)
	}
	sort.Strings(names)
	t.Logf("%d panel queries read %d metrics: %s", n, len(names), strings.Join(names, " "))
}
