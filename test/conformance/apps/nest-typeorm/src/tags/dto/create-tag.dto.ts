export class CreateTagDto {
  name: string;
}
