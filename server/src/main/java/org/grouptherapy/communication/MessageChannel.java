package org.grouptherapy.communication;

/**
 * One way of delivering outbox messages: email, or text message. The outbox row's {@code channel}
 * names it; the dispatcher claims only rows of channels that are ready.
 */
interface MessageChannel {

  /** As in {@code gt.outbox_message.channel}. */
  String name();

  /** Configured and able to send (e.g. an SMTP server or an SMS provider is set). */
  boolean ready();

  /** Sends one message; throws when it was not accepted, so it is tried again later. */
  void send(Outgoing message) throws DeliveryException;

  /** A message as the outbox holds it. */
  record Outgoing(String communication, String address, String subject, String body) {}

  /** The channel did not accept the message; the text says why (no address or content in it). */
  final class DeliveryException extends Exception {
    DeliveryException(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
