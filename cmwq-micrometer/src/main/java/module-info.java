/**
 * cmwq-micrometer: the {@code workqueue.*} meters of cmwq for Micrometer.
 *
 * <p>Only {@code dev.cmwq.micrometer} is API.
 */
// Micrometer ships an automatic module (Automatic-Module-Name micrometer.core), and the API
// exposes its types (MeterBinder, MeterRegistry, Tag): requiring it transitively is intended.
@SuppressWarnings({"requires-automatic", "requires-transitive-automatic"})
module dev.cmwq.micrometer {
  requires transitive dev.cmwq.core;
  requires transitive micrometer.core;
  requires static org.jspecify;

  exports dev.cmwq.micrometer;
}
