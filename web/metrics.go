package web

import (
	"context"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"ciphergram/office"
)

// metrics are the server's Prometheus metrics, in its own registry.
type metrics struct {
	requests   *prometheus.CounterVec
	duration   *prometheus.HistogramVec
	logins     *prometheus.CounterVec
	deliveries *prometheus.CounterVec
	arrivals   *prometheus.CounterVec
}

func newMetrics(reg *prometheus.Registry, svc *office.Service) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "ciphergram_http_requests_total",
			Help: "HTTP requests by route and status."}, []string{"route", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "ciphergram_http_request_duration_seconds",
			Help: "HTTP request latency by route.", Buckets: prometheus.DefBuckets}, []string{"route"}),
		logins: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "ciphergram_logins_total",
			Help: "Sign-in attempts by result (ok, refused, limited)."}, []string{"result"}),
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "ciphergram_deliveries_total",
			Help: "Outbox delivery attempts to peer offices by kind and result."}, []string{"kind", "result"}),
		arrivals: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "ciphergram_parts_received_total",
			Help: "Parts delivered by peer offices, by result (added, duplicate, replaced)."}, []string{"result"}),
	}
	reg.MustRegister(m.requests, m.duration, m.logins, m.deliveries, m.arrivals, &padCollector{svc: svc})
	return m
}

func (m *metrics) observe(route string, code int, d time.Duration) {
	m.requests.WithLabelValues(route, strconv.Itoa(code)).Inc()
	m.duration.WithLabelValues(route).Observe(d.Seconds())
}

// padCollector reports the pages left in every pad at scrape time.
type padCollector struct{ svc *office.Service }

var padPagesLeft = prometheus.NewDesc("ciphergram_pad_pages_left", "Unused pages left in a pad in custody.",
	[]string{"pad", "direction", "from", "to"}, nil)

func (c *padCollector) Describe(ch chan<- *prometheus.Desc) { ch <- padPagesLeft }

func (c *padCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	pads, err := c.svc.Store().Pads(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(padPagesLeft, err)
		return
	}
	for _, p := range pads {
		ch <- prometheus.MustNewConstMetric(padPagesLeft, prometheus.GaugeValue, float64(p.Left()), p.ID, string(p.Direction), p.From, p.To)
	}
}
