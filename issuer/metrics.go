package issuer

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are the issuer's Prometheus metrics. Labels never carry tokens,
// codes or claim values.
type metrics struct {
	reg           *prometheus.Registry
	issued        *prometheus.CounterVec
	tokenRequests *prometheus.CounterVec
	credRequests  *prometheus.CounterVec
	offers        prometheus.Counter
	statusChanges *prometheus.CounterVec
	httpDuration  *prometheus.HistogramVec
}

func newMetrics(reg *prometheus.Registry) *metrics {
	m := &metrics{
		reg: reg,
		issued: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "paspoort_issuer_credentials_issued_total", Help: "Credentials issued, by PPP type.",
		}, []string{"type"}),
		tokenRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "paspoort_issuer_token_requests_total", Help: "Token requests, by outcome (ok or the error code).",
		}, []string{"outcome"}),
		credRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "paspoort_issuer_credential_requests_total", Help: "Credential requests, by outcome (ok or the error code).",
		}, []string{"outcome"}),
		offers: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "paspoort_issuer_offers_created_total", Help: "Credential offers created.",
		}),
		statusChanges: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "paspoort_issuer_status_changes_total", Help: "Credential status changes, by new status.",
		}, []string{"status"}),
		httpDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "paspoort_issuer_http_request_duration_seconds", Help: "HTTP request latency, by route and status code.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"route", "code"}),
	}
	reg.MustRegister(m.issued, m.tokenRequests, m.credRequests, m.offers, m.statusChanges, m.httpDuration)
	// The process and Go collectors may already be registered when the
	// registry is shared.
	_ = reg.Register(collectors.NewGoCollector())
	_ = reg.Register(collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}
