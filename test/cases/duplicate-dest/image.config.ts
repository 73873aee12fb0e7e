import { defineImage, dir, text } from "imgc";

export default defineImage({
  name: "hello",
  files: [text("/etc/motd", "hello\n"), dir("/srv"), text("/etc//motd/", "again\n")],
});
