package org.grouptherapy.communication;

import jakarta.mail.MessagingException;
import jakarta.mail.internet.MimeMessage;
import org.grouptherapy.system.AppProperties;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.mail.MailException;
import org.springframework.mail.javamail.JavaMailSender;
import org.springframework.mail.javamail.MimeMessageHelper;
import org.springframework.stereotype.Component;

/** Email through Spring Mail, when {@code spring.mail.host} is set. */
@Component
class EmailChannel implements MessageChannel {

  static final String NAME = "email";

  private final ObjectProvider<JavaMailSender> mail;
  private final String from;

  EmailChannel(ObjectProvider<JavaMailSender> mail, AppProperties properties) {
    this.mail = mail;
    this.from = properties.notifications().from();
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public boolean ready() {
    return mail.getIfAvailable() != null;
  }

  @Override
  public void send(Outgoing message) throws DeliveryException {
    send(mail.getObject(), from, message.address(), message);
  }

  /** One plain-text mail, marked with the Communication it belongs to. */
  static void send(JavaMailSender sender, String from, String to, Outgoing message)
      throws DeliveryException {
    try {
      MimeMessage mime = sender.createMimeMessage();
      MimeMessageHelper helper = new MimeMessageHelper(mime, false, "UTF-8");
      helper.setFrom(from);
      helper.setTo(to);
      helper.setSubject(message.subject());
      helper.setText(message.body());
      mime.setHeader("X-Communication-Id", message.communication());
      sender.send(mime);
    } catch (MailException | MessagingException e) {
      throw new DeliveryException(
          e.getClass().getSimpleName() + ": " + String.valueOf(e.getMessage()), e);
    }
  }
}
