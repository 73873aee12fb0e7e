import { defineImage } from "imgc";

export default defineImage({
  name: "hello",
  user: { name: "app", uid: 4294967296 },
});
