import { defineImage, dir } from "imgc";

export default defineImage({
  name: "hello",
  user: { name: "app", uid: 10001 },
  files: [dir("/data", { owner: "www-data" })],
});
