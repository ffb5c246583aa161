package org.grouptherapy.security;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.springframework.security.web.firewall.StrictHttpFirewall;

/** The firewall's header checks, as loops, accept and refuse exactly what Spring's defaults do. */
class FirewallCharactersTest {

  @Test
  void everyCharacterIsJudgedAsSpringSecurityJudgesIt() {
    for (int codePoint = 0; codePoint <= Character.MAX_CODE_POINT; codePoint++) {
      String text = "Bearer a" + Character.toString(codePoint) + "z";
      assertThat(FirewallCharacters.allowed(text, true))
          .as("header value with U+%04X", codePoint)
          .isEqualTo(StrictHttpFirewall.ALLOWED_HEADER_VALUES.test(text));
      assertThat(FirewallCharacters.allowed(text, false))
          .as("header name with U+%04X", codePoint)
          .isEqualTo(StrictHttpFirewall.ALLOWED_HEADER_NAMES.test(text));
    }
  }

  @Test
  void loneSurrogatesAndEmptyValuesAsSpringSecurity() {
    for (String text : new String[] {"", "\uD800", "a\uDC00b", "\uDBFF\uDFFF", "\t", "x\u007F"}) {
      assertThat(FirewallCharacters.allowed(text, true))
          .isEqualTo(StrictHttpFirewall.ALLOWED_HEADER_VALUES.test(text));
      assertThat(FirewallCharacters.allowed(text, false))
          .isEqualTo(StrictHttpFirewall.ALLOWED_HEADER_NAMES.test(text));
    }
  }
}
