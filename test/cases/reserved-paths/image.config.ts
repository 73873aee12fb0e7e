import { defineImage } from "imgc";

export default defineImage({
  name: "hello",
  user: { name: "app", uid: 10001, home: "/etc" },
  workdir: "/etc/passwd",
});
