package dev.cmwq.spring.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.cmwq.Workqueue;
import dev.cmwq.spring.CmwqWebFluxAutoConfiguration;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * A WebFlux application on a real server (loopback, random port): blocking controller methods
 * run on a cmwq worker of the {@code webflux} workqueue, a reactive one on the {@code io}
 * scheduler; the meters, the actuator endpoint and the health show them.
 */
@SpringBootTest(
    classes = WebApp.class,
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "cmwq.thread-name-prefix=" + WebApp.PREFIX,
      "cmwq.workqueues.io.unbound=true",
      "management.endpoints.web.exposure.include=health,workqueues",
      "management.endpoint.health.show-details=always",
      "server.address=127.0.0.1"
    })
class WebFluxBlockingExecutionTest {

  @LocalServerPort int port;

  @Autowired MeterRegistry registry;

  @Autowired
  @Qualifier("webflux")
  Workqueue webflux;

  @Autowired CmwqWebFluxAutoConfiguration.CmwqWebFluxConfigurer configurer;

  WebTestClient client;

  @BeforeEach
  void client() {
    client = WebTestClient.bindToServer().baseUrl("http://127.0.0.1:" + port).responseTimeout(Duration.ofSeconds(10)).build();
  }

  @Test
  void aBlockingControllerMethodRunsOnACmwqWorkerOfTheWebfluxWorkqueue() {
    long before = webflux.stats().completed();
    for (int i = 0; i < 3; i++) {
      String thread = client.get().uri("/blocking").exchange().expectStatus().isOk().expectBody(String.class)
          .returnResult().getResponseBody();
      // a bound worker of the runtime: <prefix><cpu>:<id>, a platform thread
      assertThat(thread).startsWith(WebApp.PREFIX).matches(".*/\\d+:\\d+\\|platform");
    }
    // an item counts as completed once its function has returned, which may be after the response
    await().atMost(Duration.ofSeconds(10)).until(() -> webflux.stats().completed() >= before + 3);
    assertThat(webflux.isUnbound()).as("the default webflux workqueue is bound").isFalse();
    assertThat(configurer.executor().workqueue()).isSameAs(webflux);
  }

  @Test
  void aReactiveControllerRunsOnTheIoScheduler() {
    String thread = client.get().uri("/reactive").exchange().expectStatus().isOk().expectBody(String.class)
        .returnResult().getResponseBody();
    // an unbound worker: <prefix>u<pool>:<id>
    assertThat(thread).startsWith(WebApp.PREFIX + "u").endsWith("|platform");
  }

  @Test
  void theMetersCountTheRequests() {
    client.get().uri("/blocking").exchange().expectStatus().isOk();
    client.get().uri("/reactive").exchange().expectStatus().isOk();
    // an item counts as completed once its function has returned, which may be after the response
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      assertThat(registry.get("workqueue.work.completed").tag("name", "webflux").tag("type", "bound")
              .functionCounter().count())
          .isGreaterThanOrEqualTo(1);
      assertThat(registry.get("workqueue.work.completed").tag("name", "io").tag("type", "unbound")
              .functionCounter().count())
          .isGreaterThanOrEqualTo(1);
      assertThat(registry.get("executor.completed").tag("name", "webflux").functionCounter().count())
          .isGreaterThanOrEqualTo(1);
    });
  }

  @Test
  void theWorkqueuesEndpointShowsTheDumpAndEachWorkqueue() {
    client.get().uri("/blocking").exchange().expectStatus().isOk();
    client.get().uri("/actuator/workqueues").accept(MediaType.APPLICATION_JSON).exchange()
        .expectStatus().isOk()
        .expectBody()
        .jsonPath("$.runtime.cpus").isEqualTo(Runtime.getRuntime().availableProcessors())
        .jsonPath("$.runtime.shutdown").isEqualTo(false)
        .jsonPath("$.workqueues.webflux.type").isEqualTo("bound")
        .jsonPath("$.workqueues.io.type").isEqualTo("unbound")
        .jsonPath("$.workqueues.events_unbound.maxActive").isEqualTo(2048)
        .jsonPath("$.dump").value(String.class, dump -> assertThat(dump).contains("Worker Pools:")
            .contains("workqueue webflux: percpu").contains(WebApp.PREFIX));
    client.get().uri("/actuator/workqueues/webflux").accept(MediaType.APPLICATION_JSON).exchange()
        .expectStatus().isOk()
        .expectBody()
        .jsonPath("$.name").isEqualTo("webflux")
        .jsonPath("$.completed").value(Number.class, n -> assertThat(n.longValue()).isGreaterThanOrEqualTo(1))
        .jsonPath("$.inFlight").isEqualTo(0)
        .jsonPath("$.cpuTimeSeconds").exists();
    client.get().uri("/actuator/workqueues/nope").exchange().expectStatus().isNotFound();
  }

  @Test
  void theHealthShowsCmwqUp() {
    client.get().uri("/actuator/health/cmwq").accept(MediaType.APPLICATION_JSON).exchange()
        .expectStatus().isOk()
        .expectBody()
        .jsonPath("$.status").isEqualTo("UP")
        .jsonPath("$.details.lockups").isEqualTo(0)
        .jsonPath("$.details.stalled").isEqualTo(false)
        .jsonPath("$.details.watchdogThreshold").isEqualTo("PT30S")
        .jsonPath("$.details.workers.idle").exists();
    client.get().uri("/actuator/health").accept(MediaType.APPLICATION_JSON).exchange()
        .expectStatus().isOk()
        .expectBody()
        .jsonPath("$.components.cmwq.status").isEqualTo("UP");
  }
}
