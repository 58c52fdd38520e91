package verifier

import (
	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the verifier's Prometheus metrics.
type metrics struct {
	transactions  *prometheus.CounterVec
	responses     *prometheus.CounterVec
	presentations *prometheus.CounterVec
	verifyTime    prometheus.Histogram
}

func newMetrics(r *prometheus.Registry) (*metrics, error) {
	m := &metrics{
		transactions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "paspoort_verifier_transactions_total", Help: "Authorization requests created, by profile.",
		}, []string{"profile"}),
		responses: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "paspoort_verifier_responses_total", Help: "Authorization responses, by result (accepted, refused, or an error class).",
		}, []string{"result"}),
		presentations: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "paspoort_verifier_presentations_total", Help: "Presentations verified, by result (ok or an error class).",
		}, []string{"result"}),
		verifyTime: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "paspoort_verifier_response_seconds", Help: "Time to verify and decide one response.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14),
		}),
	}
	for _, c := range []prometheus.Collector{m.transactions, m.responses, m.presentations, m.verifyTime} {
		if err := r.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}
