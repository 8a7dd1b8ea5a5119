export class CreateCommentDto {
  articleId: number;
  authorId: number;
  body: string;
}
