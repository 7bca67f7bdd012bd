/**
 * cmwq-spring-boot-starter: Spring Boot 4 auto-configuration for cmwq.
 *
 * <p>Only {@code dev.cmwq.spring} is API. WebFlux, the actuator and health are optional: the
 * auto-configuration adapts to what the application has.
 */
// Spring ships automatic modules (Automatic-Module-Name spring.*): requiring them is intended.
@SuppressWarnings({"requires-automatic", "requires-transitive-automatic"})
module dev.cmwq.spring {
  requires transitive dev.cmwq.core;
  requires transitive dev.cmwq.reactor;
  requires transitive dev.cmwq.micrometer;
  requires transitive spring.boot;
  requires transitive spring.boot.autoconfigure;
  requires transitive spring.context;
  requires transitive spring.beans;
  requires transitive spring.core;
  requires static spring.webflux;
  requires static spring.boot.actuator;
  requires static spring.boot.actuator.autoconfigure;
  requires static spring.boot.health;
  requires static org.jspecify;

  exports dev.cmwq.spring;
  // Spring instantiates the configuration classes, registrars and factory beans reflectively
  opens dev.cmwq.spring to spring.core, spring.beans, spring.context, spring.boot;
}
