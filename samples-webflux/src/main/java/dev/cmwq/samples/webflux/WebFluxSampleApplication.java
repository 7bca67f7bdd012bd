package dev.cmwq.samples.webflux;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * A Spring WebFlux application on the cmwq starter. Everything cmwq does here comes from the
 * starter and {@code application.yml}: the blocking handlers of {@link BookController} run on the
 * bound workqueue {@code jdbc}, the reactive ones of {@link PrimeController} on the scheduler of
 * the workqueue {@code compute}, and the actuator shows both ({@code /actuator/workqueues},
 * {@code /actuator/metrics/workqueue.*}, {@code /actuator/health}).
 *
 * <p>Run: {@code mvn -pl samples-webflux -am compile exec:java}, then see this module's README.
 */
@SpringBootApplication
public class WebFluxSampleApplication {

  /** Starts the application (port 8080 unless {@code --server.port} says otherwise). */
  public static void main(String[] args) {
    SpringApplication.run(WebFluxSampleApplication.class, args);
  }
}
