package org.grouptherapy.security;

import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.GetMapping;

/**
 * The VA workspace, the web app built by the webapp module into {@code static/app/}: {@code /app}
 * and {@code /app/} (where SMART sign-ins come back to) serve its page; its assets are static files
 * beside it.
 */
@Controller
class WorkspaceController {

  @GetMapping({"/app", "/app/"})
  String workspace() {
    return "forward:/app/index.html";
  }
}
