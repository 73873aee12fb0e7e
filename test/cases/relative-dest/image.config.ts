import { defineImage, text } from "imgc";

export default defineImage({
  name: "hello",
  files: [text("/etc/hostname", "hello\n"), text("etc/motd", "welcome\n")],
});
