package org.grouptherapy.security;

import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.servlet.ModelAndView;

/** The sign-in page of the embedded authorization server (templates/login.html). */
@Controller
class SignInController {

  static final String PATH = "/login";

  @GetMapping(PATH)
  ModelAndView signIn(
      @RequestParam(required = false) String error, @RequestParam(required = false) String logout) {
    ModelAndView page = new ModelAndView("login");
    page.addObject("error", error != null);
    page.addObject("loggedOut", logout != null);
    return page;
  }
}
