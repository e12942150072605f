package cli

import (
	"fmt"
	"strings"
	"time"

	"github.com/l2sw/l2sw/cli/engine"
)

// This file holds `show processes cpu history`: the CPU use of the last 60
// seconds, 60 minutes and 72 hours as the three IOS ASCII graphs, made
// from the per-second samples of RunProcessStats.

// cpuPoint is one column of a graph: the highest and the average use in
// its second, minute or hour.
type cpuPoint struct{ max, avg int }

// cpuHistory keeps the newest points first; guarded by procMeter.mu.
type cpuHistory struct {
	seconds, minutes, hours []cpuPoint
	// The minute and the hour being filled.
	minuteSum, hourSum   float64
	minuteN, hourN       int
	minuteMax, hourMax   int
	minuteFrom, hourFrom time.Time
}

func pushFront(s []cpuPoint, p cpuPoint, keep int) []cpuPoint {
	s = append([]cpuPoint{p}, s...)
	if len(s) > keep {
		s = s[:keep]
	}
	return s
}

// add records the use of the second ending at now.
func (h *cpuHistory) add(now time.Time, pct float64) {
	v := int(pct + 0.5)
	h.seconds = pushFront(h.seconds, cpuPoint{v, v}, 60)
	if h.minuteFrom.IsZero() {
		h.minuteFrom, h.hourFrom = now, now
	}
	h.minuteSum += pct
	h.minuteN++
	h.minuteMax = max(h.minuteMax, v)
	if now.Sub(h.minuteFrom) >= time.Minute {
		p := cpuPoint{h.minuteMax, int(h.minuteSum/float64(h.minuteN) + 0.5)}
		h.minutes = pushFront(h.minutes, p, 60)
		h.hourSum += h.minuteSum / float64(h.minuteN)
		h.hourN++
		h.hourMax = max(h.hourMax, h.minuteMax)
		h.minuteSum, h.minuteN, h.minuteMax, h.minuteFrom = 0, 0, 0, now
	}
	if now.Sub(h.hourFrom) >= time.Hour && h.hourN > 0 {
		h.hours = pushFront(h.hours, cpuPoint{h.hourMax, int(h.hourSum/float64(h.hourN) + 0.5)}, 72)
		h.hourSum, h.hourN, h.hourMax, h.hourFrom = 0, 0, 0, now
	}
}

// cpuGraph renders one IOS graph of width columns: the maxima's digits
// above, rows 100 to 10 with '*' for the maximum and, when avg is set, '#'
// for the average, then the axis and the titles.
func cpuGraph(b *strings.Builder, pts []cpuPoint, width int, avg bool, title string) {
	col := func(i int) (cpuPoint, bool) {
		if i < len(pts) {
			return pts[i], true
		}
		return cpuPoint{}, false
	}
	line := func(f func(p cpuPoint, ok bool) byte) {
		row := make([]byte, width)
		for i := range row {
			p, ok := col(i)
			row[i] = f(p, ok)
		}
		b.WriteString(strings.TrimRight("    "+string(row), " ") + "\n")
	}
	b.WriteString("\n")
	line(func(p cpuPoint, _ bool) byte {
		if p.max >= 100 {
			return '1'
		}
		return ' '
	})
	line(func(p cpuPoint, _ bool) byte {
		if p.max >= 10 {
			return byte('0' + p.max/10%10)
		}
		return ' '
	})
	line(func(p cpuPoint, _ bool) byte {
		if p.max > 0 {
			return byte('0' + p.max%10)
		}
		return ' '
	})
	for level := 100; level >= 10; level -= 10 {
		row := make([]byte, width)
		for i := range row {
			p, _ := col(i)
			switch {
			case avg && p.avg >= level:
				row[i] = '#'
			case p.max >= level:
				row[i] = '*'
			default:
				row[i] = ' '
			}
		}
		b.WriteString(strings.TrimRight(fmt.Sprintf("%3d %s", level, row), " ") + "\n")
	}
	// The axis counts back from now in steps of five (0....5....1....1....2),
	// the tens' second digit on the line below.
	axis, tens := make([]byte, width+1), make([]byte, width+1)
	for i := range axis {
		axis[i], tens[i] = '.', ' '
		if i%5 != 0 {
			continue
		}
		axis[i] = byte('0' + i/10%10)
		if i == 5 {
			axis[i] = '5'
		}
		if i >= 10 {
			tens[i] = "05"[i%10/5]
		}
	}
	fmt.Fprintf(b, "   %s\n   %s\n", axis, strings.TrimRight(string(tens), " "))
	fmt.Fprintf(b, "%s%s\n", strings.Repeat(" ", 15), title)
	if avg {
		indent := 14 + len(title) - len(strings.TrimLeft(title, " "))
		fmt.Fprintf(b, "%s* = maximum CPU%%   # = average CPU%%\n", strings.Repeat(" ", indent))
	}
}

func (d *Device) showCPUHistory() string {
	m := d.procs
	m.mu.Lock()
	h := m.hist
	h.seconds, h.minutes, h.hours = append([]cpuPoint(nil), h.seconds...), append([]cpuPoint(nil), h.minutes...), append([]cpuPoint(nil), h.hours...)
	m.mu.Unlock()
	var b strings.Builder
	cpuGraph(&b, h.seconds, 60, false, "CPU% per second (last 60 seconds)")
	cpuGraph(&b, h.minutes, 60, true, "CPU% per minute (last 60 minutes)")
	cpuGraph(&b, h.hours, 72, true, "    CPU% per hour (last 72 hours)")
	return b.String()
}

func (d *Device) installCPUHistory() {
	must(d.eng.Install(d.eng.ExecMode(), engine.Command{Syntax: "show processes cpu history", Level: engine.LevelUser,
		Help: map[string]string{"history": "Show CPU usage history of router"},
		Run:  out(func(*engine.Ctx, engine.Args) (string, error) { return d.showCPUHistory(), nil })}))
}
