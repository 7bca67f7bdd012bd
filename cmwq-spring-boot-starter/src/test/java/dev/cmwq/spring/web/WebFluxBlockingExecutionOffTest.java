package dev.cmwq.spring.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cmwq.spring.CmwqWebFluxAutoConfiguration;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ApplicationContext;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * {@code cmwq.webflux.blocking-execution=false} with {@code spring.threads.virtual.enabled=true}:
 * Spring Boot's own choice applies: a virtual thread per call on Java 21+, the server's event
 * loop before (Boot's virtual-thread mode needs Java 21). The reactive endpoint still uses the
 * io scheduler bean.
 */
@SpringBootTest(
    classes = WebApp.class,
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "cmwq.thread-name-prefix=" + WebApp.PREFIX,
      "cmwq.workqueues.io.unbound=true",
      "cmwq.webflux.blocking-execution=false",
      "spring.threads.virtual.enabled=true",
      "server.address=127.0.0.1"
    })
class WebFluxBlockingExecutionOffTest {

  @LocalServerPort int port;

  @Autowired ApplicationContext context;

  @Test
  void springBootsDefaultAppliesAndNoWebfluxWorkqueueIsMade() {
    assertThat(context.getBeansOfType(CmwqWebFluxAutoConfiguration.CmwqWebFluxConfigurer.class)).isEmpty();
    assertThat(context.containsBean("webfluxWorkqueue")).isFalse();
    WebTestClient client =
        WebTestClient.bindToServer().baseUrl("http://127.0.0.1:" + port).responseTimeout(Duration.ofSeconds(10)).build();
    String thread = client.get().uri("/blocking").exchange().expectStatus().isOk().expectBody(String.class)
        .returnResult().getResponseBody();
    assertThat(thread).doesNotStartWith(WebApp.PREFIX);
    if (Runtime.version().feature() >= 21) {
      assertThat(thread).endsWith("|virtual");
    } else {
      // the server's event loop (Boot 4 names it webflux-http-<transport>-<n>)
      assertThat(thread).contains("-http-").endsWith("|platform");
    }
    String reactive = client.get().uri("/reactive").exchange().expectStatus().isOk().expectBody(String.class)
        .returnResult().getResponseBody();
    assertThat(reactive).startsWith(WebApp.PREFIX + "u");
  }
}
