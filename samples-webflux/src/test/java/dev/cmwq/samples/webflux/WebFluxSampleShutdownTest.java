package dev.cmwq.samples.webflux;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cmwq.Workqueue;
import dev.cmwq.WorkqueueRuntime;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * Closing the sample application leaves nothing of cmwq behind: after a request has been served,
 * the close drains and destroys the workqueue beans and shuts the runtime down, and every one of
 * its threads ends.
 */
class WebFluxSampleShutdownTest {

  @Test
  void closingTheApplicationDestroysTheWorkqueuesAndEndsTheRuntimesThreads() throws InterruptedException {
    ConfigurableApplicationContext context =
        SpringApplication.run(WebFluxSampleApplication.class, "--server.port=0", "--server.address=127.0.0.1");
    WorkqueueRuntime runtime;
    Workqueue jdbc;
    Workqueue compute;
    try {
      runtime = context.getBean(WorkqueueRuntime.class);
      jdbc = context.getBean("jdbcWorkqueue", Workqueue.class);
      compute = context.getBean("computeWorkqueue", Workqueue.class);
      int port = ((WebServerApplicationContext) context).getWebServer().getPort();
      WebTestClient.bindToServer().baseUrl("http://127.0.0.1:" + port).responseTimeout(Duration.ofSeconds(10)).build()
          .get().uri("/books/1").exchange().expectStatus().isOk();
    } finally {
      context.close();
    }
    assertThat(jdbc.isDestroyed()).isTrue();
    assertThat(compute.isDestroyed()).isTrue();
    assertThat(jdbc.stats().completed()).isEqualTo(jdbc.stats().started()).isPositive();
    assertThat(runtime.isShutdown()).isTrue();
    assertThat(runtime.awaitTermination(Duration.ofSeconds(20))).as("every cmwq thread ended").isTrue();
  }
}
