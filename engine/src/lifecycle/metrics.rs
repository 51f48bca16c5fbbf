//! Counters of what this process did, for `GET /metrics` (Prometheus text format).

use prometheus_client::encoding::text::encode;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct NetworkLabel {
    network: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct FailureLabels {
    network: String,
    /// `refresh` or `check`.
    action: String,
    /// `dead`, `missing_permission`, `rate_limited` or `transient`.
    class: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StateLabel {
    state: String,
}

#[derive(Debug, Default)]
pub struct Metrics {
    refreshes: Family<NetworkLabel, Counter>,
    checks: Family<NetworkLabel, Counter>,
    failures: Family<FailureLabels, Counter>,
    handouts: Family<NetworkLabel, Counter>,
}

impl Metrics {
    pub(crate) fn refreshed(&self, network: &str) {
        self.refreshes.get_or_create(&label(network)).inc();
    }

    pub(crate) fn checked(&self, network: &str) {
        self.checks.get_or_create(&label(network)).inc();
    }

    pub(crate) fn failed(&self, network: &str, action: &str, class: &str) {
        self.failures
            .get_or_create(&FailureLabels {
                network: network.to_owned(),
                action: action.to_owned(),
                class: class.to_owned(),
            })
            .inc();
    }

    pub(crate) fn handed_out(&self, network: &str) {
        self.handouts.get_or_create(&label(network)).inc();
    }

    /// The counters, and the number of channels in each state (counted by the caller, who
    /// owns the status model), in Prometheus text format.
    pub fn render(&self, channels_by_state: &[(&str, i64)]) -> String {
        let mut registry = Registry::with_prefix("tether");
        registry.register(
            "refreshes",
            "Tokens renewed (refresh, extension or re-exchange)",
            self.refreshes.clone(),
        );
        registry.register(
            "checks",
            "Health checks that found the token working",
            self.checks.clone(),
        );
        registry.register(
            "failures",
            "Failed renewals and checks by class",
            self.failures.clone(),
        );
        registry.register(
            "token_handouts",
            "Access tokens handed out through the API",
            self.handouts.clone(),
        );
        let states = Family::<StateLabel, Gauge>::default();
        for (state, count) in channels_by_state {
            states
                .get_or_create(&StateLabel {
                    state: (*state).to_owned(),
                })
                .set(*count);
        }
        registry.register("channels", "Channels by state", states);
        let mut text = String::new();
        encode(&mut text, &registry).expect("writing to a String cannot fail");
        text
    }
}

fn label(network: &str) -> NetworkLabel {
    NetworkLabel {
        network: network.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_and_states_in_prometheus_text() {
        let metrics = Metrics::default();
        metrics.refreshed("x");
        metrics.refreshed("x");
        metrics.failed("x", "refresh", "transient");
        let text = metrics.render(&[("connected", 3), ("expired", 1)]);
        assert!(
            text.contains("tether_refreshes_total{network=\"x\"} 2"),
            "{text}"
        );
        assert!(text.contains(
            "tether_failures_total{network=\"x\",action=\"refresh\",class=\"transient\"} 1"
        ));
        assert!(text.contains("tether_channels{state=\"expired\"} 1"));
        assert!(text.trim_end().ends_with("# EOF"));
    }
}
