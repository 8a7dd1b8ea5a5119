export class CreateArticleDto {
  title: string;
  body: string;
  authorId: number;
  tags: string[];
}
