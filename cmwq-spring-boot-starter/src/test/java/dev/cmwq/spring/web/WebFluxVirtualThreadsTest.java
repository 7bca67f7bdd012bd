package dev.cmwq.spring.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * With Boot's virtual-thread mode on ({@code spring.threads.virtual.enabled=true}), blocking
 * controller methods still run on cmwq's platform workers: the starter's executor takes
 * precedence over Boot's virtual-thread one (which exists on Java 21+).
 */
@SpringBootTest(
    classes = WebApp.class,
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "cmwq.thread-name-prefix=" + WebApp.PREFIX,
      "cmwq.workqueues.io.unbound=true",
      "spring.threads.virtual.enabled=true",
      "server.address=127.0.0.1"
    })
class WebFluxVirtualThreadsTest {

  @LocalServerPort int port;

  @Test
  void blockingControllerMethodsStayOnCmwqPlatformWorkers() {
    WebTestClient client =
        WebTestClient.bindToServer().baseUrl("http://127.0.0.1:" + port).responseTimeout(Duration.ofSeconds(10)).build();
    String thread = client.get().uri("/blocking").exchange().expectStatus().isOk().expectBody(String.class)
        .returnResult().getResponseBody();
    assertThat(thread).startsWith(WebApp.PREFIX).endsWith("|platform");
  }
}
